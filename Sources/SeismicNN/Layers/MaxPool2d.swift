// MaxPool2d: non-overlapping max pooling, stride = kernel, floor mode (reference: torch.nn.MaxPool2d).

/// y[n,c,i,j] = max over the kH×kW block at (i·kH, j·kW); rows/columns that do not fill a block
/// are dropped (floor mode). The gradient goes to the first maximum of each block, as PyTorch.
public final class MaxPool2d: Layer {
    public let kernelHeight: Int, kernelWidth: Int
    private var inputShape: [Int] = []
    private var argmax: [Int32] = []

    public init(kernel: (Int, Int)) {
        kernelHeight = kernel.0
        kernelWidth = kernel.1
    }

    public func outputShape(_ s: [Int]) -> [Int] {
        [s[0], s[1], s[2] / kernelHeight, s[3] / kernelWidth]
    }

    /// An Int32 that orders like the float (−0 and +0 equal; every NaN above +∞).
    @inline(__always)
    static func orderKey(_ v: Float) -> Int32 {
        let bits = Int32(bitPattern: v.bitPattern)
        var key = bits ^ ((bits >> 31) & 0x7FFF_FFFF)
        key &+= bits == Int32.min ? 1 : 0
        return (bits & 0x7FFF_FFFF) > 0x7F80_0000 ? Int32.max : key
    }

    /// Kernel (kh, 1): each output row is the lane-wise maximum of kh input rows, four columns
    /// at a time in SIMD registers (compare and select, no branches); same winner rule as above.
    @inline(__always)
    static func poolColumns(src: UnsafePointer<Float>, w: Int, kh: Int, ho: Int, end: UnsafePointer<Float>,
                            out: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        let laneOffsets = SIMD4<Int32>(0, 1, 2, 3)
        @inline(__always) func load(_ base: Int, _ lanes: Int) -> SIMD4<Float> {
            if src + base + 4 <= end {
                // Whole-vector load; lanes past the row are ignored when storing.
                return UnsafeRawPointer(src + base).loadUnaligned(as: SIMD4<Float>.self)
            }
            var v = SIMD4<Float>(repeating: 0)
            for l in 0..<lanes { v[l] = src[base + l] }
            return v
        }
        for i in 0..<ho {
            var j = 0
            while j < w {
                let lanes = min(4, w - j)
                let first = i * kh * w + j
                var best = load(first, lanes)
                var at = laneOffsets &+ Int32(first)
                var p = 1
                while p < kh {
                    let base = first + p * w
                    let v = load(base, lanes)
                    let take = (v .> best) .| (v .!= v)
                    best.replace(with: v, where: take)
                    at.replace(with: laneOffsets &+ Int32(base), where: take)
                    p += 1
                }
                if lanes == 4 {
                    UnsafeMutableRawPointer(out + i * w + j).storeBytes(of: best, as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(arg + i * w + j).storeBytes(of: at, as: SIMD4<Int32>.self)
                } else {
                    for l in 0..<lanes {
                        out[i * w + j + l] = best[l]
                        arg[i * w + j + l] = at[l]
                    }
                }
                j += 4
            }
        }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4, "MaxPool2d expects NCHW, got \(x.shape)")
        let os = outputShape(x.shape)
        let (planes, h, w, ho, wo) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3], os[2], os[3])
        var y = Tensor(uninitialized: os)
        var arg = [Int32](unsafeUninitializedCapacity: y.count) { _, c in c = y.count }
        let kh = kernelHeight, kw = kernelWidth
        x.storage.withUnsafeBufferPointer { xb in
            y.storage.withUnsafeMutableBufferPointer { yb in
                arg.withUnsafeMutableBufferPointer { ab in
                    let xp = xb.baseAddress!, yp = yb.baseAddress!, ap = ab.baseAddress!
                    Parallel.forEachChunk(planes, minimumPerChunk: max(8, 16_384 / max(h * w, 1))) { _, r in
                        for pl in r {
                            let src = xp + pl * h * w
                            if kw == 1 {
                                Self.poolColumns(src: src, w: w, kh: kh, ho: ho, end: xp + planes * h * w, out: yp + pl * ho * wo, arg: ap + pl * ho * wo)
                                continue
                            }
                            for i in 0..<ho {
                                let out = yp + (pl * ho + i) * wo
                                let arg = ap + (pl * ho + i) * wo
                                let rowBase = i * kh * w
                                for j in 0..<wo {
                                    // Candidates in PyTorch's scan order (row, then column); a later
                                    // element wins only if strictly greater, or NaN. Compared as
                                    // order-preserving integer keys, so the selection has no branches
                                    // (the winner is data-dependent and would defeat the predictor).
                                    let first = rowBase + j * kw
                                    var bestKey = Self.orderKey(src[first])
                                    var at = first
                                    for p in 0..<kh {
                                        for q in 0..<kw where p != 0 || q != 0 {
                                            let idx = first + p * w + q
                                            let key = Self.orderKey(src[idx])
                                            let take = key > bestKey
                                            bestKey = take ? key : bestKey
                                            at = take ? idx : at
                                        }
                                    }
                                    let best = src[at]
                                    out[j] = best
                                    arg[j] = Int32(at)
                                }
                            }
                        }
                    }
                }
            }
        }
        inputShape = x.shape
        argmax = arg
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(!inputShape.isEmpty && dy.count == argmax.count, "MaxPool2d.backward before forward")
        var dx = Tensor(zeros: inputShape)
        let plane = inputShape[2] * inputShape[3]
        let outPlane = dy.shape[2] * dy.shape[3]
        let planes = inputShape[0] * inputShape[1]
        dy.storage.withUnsafeBufferPointer { db in
            argmax.withUnsafeBufferPointer { ab in
                dx.storage.withUnsafeMutableBufferPointer { xb in
                    let dp = db.baseAddress!, ap = ab.baseAddress!, xp = xb.baseAddress!
                    Parallel.forEachChunk(planes, minimumPerChunk: 8) { _, r in
                        for pl in r {
                            for k in 0..<outPlane {
                                xp[pl * plane + Int(ap[pl * outPlane + k])] += dp[pl * outPlane + k]
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
