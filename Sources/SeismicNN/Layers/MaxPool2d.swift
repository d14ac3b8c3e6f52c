// MaxPool2d: non-overlapping max pooling, stride = kernel, floor mode (reference: torch.nn.MaxPool2d).

import CSeismicKernels

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

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4, "MaxPool2d expects NCHW, got \(x.shape)")
        let os = outputShape(x.shape)
        let (planes, h, w, ho, wo) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3], os[2], os[3])
        var y = Tensor(uninitialized: os)
        // Winner indices are only needed for backward, i.e. after a training-mode forward.
        var arg = [Int32](unsafeUninitializedCapacity: training ? y.count : 0) { _, c in c = training ? y.count : 0 }
        let kh = kernelHeight, kw = kernelWidth
        x.storage.withUnsafeBufferPointer { xb in
            y.storage.withUnsafeMutableBufferPointer { yb in
                arg.withUnsafeMutableBufferPointer { ab in
                    let xp = xb.baseAddress!, yp = yb.baseAddress!, ap = ab.baseAddress
                    Parallel.forEachChunk(planes, minimumPerChunk: max(8, 16_384 / max(h * w, 1))) { _, r in
                        for pl in r {
                            sk_maxpool_plane(xp + pl * h * w, h, w, kh, kw, yp + pl * ho * wo, training ? ap.map { $0 + pl * ho * wo } : nil)
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
        precondition(!inputShape.isEmpty && dy.count == argmax.count && dy.count > 0,
                     "MaxPool2d.backward needs a training-mode forward of a non-empty batch first")
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
