// Conv2d: 2-D convolution, stride 1, no padding, NCHW (reference: torch.nn.Conv2d), forward and backward.

/// y[n,o,i,j] = b[o] + Σ_{c,p,q} w[o,c,p,q] · x[n,c,i+p,j+q];  weight [out, in, kH, kW].
/// Computed as im2col + sgemm over groups of samples; work split across cores by sample.
public final class Conv2d: Layer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let weight: StateEntry
    public let bias: StateEntry
    let store: ParameterStore
    private var input: Tensor?
    /// Whether `backward` computes ∂L/∂input (the first layer's input is data: no one needs it,
    /// and `backward` then returns zeros).
    public var computeInputGradient = true

    public init(store: ParameterStore, prefix: String, inChannels: Int, outChannels: Int, kernel: (Int, Int)) {
        self.store = store
        self.inChannels = inChannels
        self.outChannels = outChannels
        kernelHeight = kernel.0
        kernelWidth = kernel.1
        weight = store.require(prefix + ".weight")
        bias = store.require(prefix + ".bias")
        precondition(weight.shape == [outChannels, inChannels, kernel.0, kernel.1], "\(prefix).weight shape \(weight.shape)")
    }

    /// The state entries a Conv2d needs, in PyTorch order.
    public static func specs(_ prefix: String, inChannels: Int, outChannels: Int, kernel: (Int, Int)) -> [(name: String, shape: [Int], kind: StateKind)] {
        [(prefix + ".weight", [outChannels, inChannels, kernel.0, kernel.1], .parameter),
         (prefix + ".bias", [outChannels], .parameter)]
    }

    public func outputShape(_ s: [Int]) -> [Int] {
        precondition(s.count == 4 && s[1] == inChannels, "Conv2d expects [N,\(inChannels),H,W], got \(s)")
        precondition(s[2] >= kernelHeight && s[3] >= kernelWidth, "input \(s) smaller than kernel")
        return [s[0], outChannels, s[2] - kernelHeight + 1, s[3] - kernelWidth + 1]
    }

    /// Samples per GEMM so that tiny feature maps still make one reasonably wide matrix product.
    private func groupSize(_ outPlane: Int) -> Int { max(1, min(64, 1024 / max(outPlane, 1))) }

    /// cols[k, g·P + p] for the samples of one group (K = C·kH·kW rows, P = Ho·Wo).
    private func im2col(_ x: UnsafePointer<Float>, h: Int, w: Int, ho: Int, wo: Int, samples: Range<Int>,
                        into cols: UnsafeMutablePointer<Float>) {
        let plane = ho * wo
        let width = samples.count * plane
        let inPlane = h * w
        let itemSize = inChannels * inPlane
        for (g, n) in samples.enumerated() {
            let xn = x + n * itemSize
            for c in 0..<inChannels {
                for p in 0..<kernelHeight {
                    for q in 0..<kernelWidth {
                        let row = (c * kernelHeight + p) * kernelWidth + q
                        let dst = cols + row * width + g * plane
                        let src = xn + c * inPlane + p * w + q
                        if q == 0 && wo == w {
                            dst.update(from: src, count: plane)
                        } else {
                            for i in 0..<ho { (dst + i * wo).update(from: src + i * w, count: wo) }
                        }
                    }
                }
            }
        }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let os = outputShape(x.shape)
        let (n, h, w, ho, wo) = (x.shape[0], x.shape[2], x.shape[3], os[2], os[3])
        input = x
        var y = Tensor(uninitialized: os)
        let plane = ho * wo
        let k = inChannels * kernelHeight * kernelWidth
        let group = groupSize(plane)
        let wp = UnsafePointer(store.pointer(weight))
        let bp = UnsafePointer(store.pointer(bias))
        let o = outChannels
        x.storage.withUnsafeBufferPointer { xb in
            y.storage.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                Parallel.forEachChunk(n) { _, range in
                    let cols = UnsafeMutablePointer<Float>.allocate(capacity: k * group * plane)
                    let out = UnsafeMutablePointer<Float>.allocate(capacity: o * group * plane)
                    defer { cols.deallocate(); out.deallocate() }
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let samples = start..<min(start + group, range.upperBound)
                        let width = samples.count * plane
                        im2col(xp, h: h, w: w, ho: ho, wo: wo, samples: samples, into: cols)
                        sgemm(transA: false, transB: false, m: o, n: width, k: k, a: wp, lda: k, b: cols, ldb: width,
                              beta: 0, c: out, ldc: width)
                        for (g, s) in samples.enumerated() {
                            for oc in 0..<o {
                                let dst = yp + (s * o + oc) * plane
                                let src = out + oc * width + g * plane
                                let b = bp[oc]
                                for i in 0..<plane { dst[i] = src[i] + b }
                            }
                        }
                        start = samples.upperBound
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("Conv2d.backward before forward") }
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (ho, wo) = (dy.shape[2], dy.shape[3])
        precondition(dy.shape == outputShape(x.shape), "gradient shape \(dy.shape)")
        let plane = ho * wo
        let o = outChannels
        let k = inChannels * kernelHeight * kernelWidth
        let group = groupSize(plane)
        let chunks = Parallel.chunkCount(n)
        // Per-chunk partial weight/bias gradients, summed in chunk order (deterministic).
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: chunks * (o * k + o))
        partial.initialize(repeating: 0, count: chunks * (o * k + o))
        defer { partial.deallocate() }
        var dx = Tensor(zeros: x.shape)
        let wp = UnsafePointer(store.pointer(weight))
        let inPlane = h * w
        x.storage.withUnsafeBufferPointer { xb in
            dy.storage.withUnsafeBufferPointer { dyb in
                dx.storage.withUnsafeMutableBufferPointer { dxb in
                    let xp = xb.baseAddress!, dyp = dyb.baseAddress!, dxp = dxb.baseAddress!
                    Parallel.forEachChunk(n, chunks: chunks) { chunk, range in
                        let cols = UnsafeMutablePointer<Float>.allocate(capacity: k * group * plane)
                        let dout = UnsafeMutablePointer<Float>.allocate(capacity: o * group * plane)
                        defer { cols.deallocate(); dout.deallocate() }
                        let dW = partial + chunk * (o * k + o)
                        let dB = dW + o * k
                        var start = range.lowerBound
                        while start < range.upperBound {
                            let samples = start..<min(start + group, range.upperBound)
                            let width = samples.count * plane
                            for (g, s) in samples.enumerated() {
                                for oc in 0..<o {
                                    let src = dyp + (s * o + oc) * plane
                                    (dout + oc * width + g * plane).update(from: src, count: plane)
                                    var acc: Float = 0
                                    for i in 0..<plane { acc += src[i] }
                                    dB[oc] += acc
                                }
                            }
                            im2col(xp, h: h, w: w, ho: ho, wo: wo, samples: samples, into: cols)
                            // dW += dOut · colsᵀ
                            sgemm(transA: false, transB: true, m: o, n: k, k: width, a: dout, lda: width, b: cols,
                                  ldb: width, beta: 1, c: dW, ldc: k)
                            // dCols = Wᵀ · dOut, then col2im into dx (skipped for a network's first layer).
                            if computeInputGradient {
                            sgemm(transA: true, transB: false, m: k, n: width, k: o, a: wp, lda: k, b: dout, ldb: width,
                                  beta: 0, c: cols, ldc: width)
                            }
                            for (g, s) in samples.enumerated() where computeInputGradient {
                                let dxn = dxp + s * inChannels * inPlane
                                for c in 0..<inChannels {
                                    for p in 0..<kernelHeight {
                                        for q in 0..<kernelWidth {
                                            let row = (c * kernelHeight + p) * kernelWidth + q
                                            let src = cols + row * width + g * plane
                                            let dst = dxn + c * inPlane + p * w + q
                                            if wo == w {
                                                // Full-width rows (kernel width 1): one contiguous run.
                                                for j in 0..<plane { dst[j] += src[j] }
                                            } else {
                                                for i in 0..<ho {
                                                    let d = dst + i * w, sr = src + i * wo
                                                    for j in 0..<wo { d[j] += sr[j] }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                            start = samples.upperBound
                        }
                    }
                }
            }
        }
        let gw = store.gradient(weight), gb = store.gradient(bias)
        for c in 0..<chunks {
            let dW = partial + c * (o * k + o)
            for i in 0..<(o * k) { gw[i] += dW[i] }
            for i in 0..<o { gb[i] += dW[o * k + i] }
        }
        return dx
    }
}

/// Direct-loop convolution, kept beside the fast one as the reference it is tested against.
public enum NaiveConv2d {
    public static func forward(x: Tensor, weight: Tensor, bias: [Float]) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let (ho, wo) = (h - kh + 1, w - kw + 1)
        var y = Tensor(zeros: [n, o, ho, wo])
        for b in 0..<n { for oc in 0..<o { for i in 0..<ho { for j in 0..<wo {
            var acc = Double(bias[oc])
            for ic in 0..<c { for p in 0..<kh { for q in 0..<kw {
                acc += Double(weight.storage[((oc * c + ic) * kh + p) * kw + q]) * Double(x.storage[((b * c + ic) * h + i + p) * w + j + q])
            } } }
            y.storage[((b * o + oc) * ho + i) * wo + j] = Float(acc)
        } } } }
        return y
    }
}
