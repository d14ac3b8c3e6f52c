// MaxPool2d: non-overlapping max pooling, stride = kernel, floor mode (reference: torch.nn.MaxPool2d),
// forward and backward as plain loops: the reference the fused ConvBlock is tested against.

/// y[n,c,i,j] = max over the kH×kW block at (i·kH, j·kW) of x [N, C, H, W]; y [N, C, H/kH, W/kW].
/// Rows/columns that do not fill a block are dropped (floor mode). The first maximum in row-then-
/// column order wins and a NaN always wins (PyTorch's rule); the gradient goes to the winner.
public final class MaxPool2d: Layer {
    public let kernelHeight: Int, kernelWidth: Int
    private var inputShape: [Int] = []
    /// Per output value, the winner's index in its input plane (training-mode forward only).
    private var winners: [Int] = []

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
        let (kh, kw) = (kernelHeight, kernelWidth)
        var y = Tensor(uninitialized: os)
        var arg = [Int](repeating: 0, count: training ? y.count : 0)
        for pl in 0..<planes {
            for i in 0..<ho {
                for j in 0..<wo {
                    var at = i * kh * w + j * kw
                    var best = x.storage[pl * h * w + at]
                    for p in 0..<kh {
                        for q in 0..<kw {
                            let idx = (i * kh + p) * w + j * kw + q
                            let v = x.storage[pl * h * w + idx]
                            if v > best || v.isNaN { best = v; at = idx }
                        }
                    }
                    y.storage[(pl * ho + i) * wo + j] = best
                    if training { arg[(pl * ho + i) * wo + j] = at }
                }
            }
        }
        inputShape = x.shape
        winners = arg
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(
            !inputShape.isEmpty && dy.count == winners.count && dy.count > 0,
            "MaxPool2d.backward needs a training-mode forward of a non-empty batch first")
        var dx = Tensor(zeros: inputShape)
        let plane = inputShape[2] * inputShape[3]
        let outPlane = dy.shape[2] * dy.shape[3]
        for pl in 0..<(inputShape[0] * inputShape[1]) {
            for k in 0..<outPlane { dx.storage[pl * plane + winners[pl * outPlane + k]] += dy.storage[pl * outPlane + k] }
        }
        return dx
    }
}
