// Conv2d: 2-D convolution, stride 1, no padding, NCHW (reference: torch.nn.Conv2d), forward and
// backward as plain loops: the reference the fused ConvBlock's kernels are tested against.

/// y[n,o,i,j] = b[o] + Σ_{c,p,q} w[o,c,p,q] · x[n,c,i+p,j+q];  x [N, C_in, H, W], weight
/// [C_out, C_in, kH, kW], y [N, C_out, H − kH + 1, W − kW + 1]. Sums in float32, in loop order.
public final class Conv2d: Layer {
    public let parameters: ConvolutionParameters
    let store: ParameterStore
    private var input: Tensor?

    public init(store: ParameterStore, prefix: String, inChannels: Int, outChannels: Int, kernel: (Int, Int)) {
        self.store = store
        parameters = ConvolutionParameters(
            store: store, prefix: prefix, inChannels: inChannels, outChannels: outChannels,
            kernel: kernel)
    }

    /// The state entries a Conv2d needs, in PyTorch order.
    public static func specs(_ prefix: String, inChannels: Int, outChannels: Int, kernel: (Int, Int)) -> [(name: String, shape: [Int], kind: StateKind)] {
        ConvolutionParameters.specs(prefix, inChannels: inChannels, outChannels: outChannels, kernel: kernel)
    }

    public func outputShape(_ s: [Int]) -> [Int] {
        let p = parameters
        precondition(s.count == 4 && s[1] == p.inChannels, "Conv2d expects [N,\(p.inChannels),H,W], got \(s)")
        precondition(s[2] >= p.kernelHeight && s[3] >= p.kernelWidth, "input \(s) smaller than kernel")
        return [s[0], p.outChannels, s[2] - p.kernelHeight + 1, s[3] - p.kernelWidth + 1]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let os = outputShape(x.shape)
        input = x
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw, ho, wo) = (os[1], parameters.kernelHeight, parameters.kernelWidth, os[2], os[3])
        let weight = store.pointer(parameters.weight), bias = store.pointer(parameters.bias)
        var y = Tensor(uninitialized: os)
        for s in 0..<n {
            for f in 0..<o {
                for i in 0..<ho {
                    for j in 0..<wo {
                        var acc = bias[f]
                        for ch in 0..<c {
                            for p in 0..<kh {
                                for q in 0..<kw {
                                    acc += weight[((f * c + ch) * kh + p) * kw + q] * x.storage[((s * c + ch) * h + i + p) * w + j + q]
                                }
                            }
                        }
                        y.storage[((s * o + f) * ho + i) * wo + j] = acc
                    }
                }
            }
        }
        return y
    }

    /// dy [N, C_out, Ho, Wo] → dx [N, C_in, H, W]; adds ∂L/∂w[o,c,p,q] = Σ dy[n,o,i,j]·x[n,c,i+p,j+q]
    /// and ∂L/∂b[o] = Σ dy[n,o,i,j] to the store's gradients.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("Conv2d.backward before forward") }
        precondition(dy.shape == outputShape(x.shape), "gradient shape \(dy.shape)")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw, ho, wo) = (dy.shape[1], parameters.kernelHeight, parameters.kernelWidth, dy.shape[2], dy.shape[3])
        let weight = store.pointer(parameters.weight)
        let gw = store.gradient(parameters.weight), gb = store.gradient(parameters.bias)
        var dx = Tensor(zeros: x.shape)
        for s in 0..<n {
            for f in 0..<o {
                for i in 0..<ho {
                    for j in 0..<wo {
                        let g = dy.storage[((s * o + f) * ho + i) * wo + j]
                        gb[f] += g
                        for ch in 0..<c {
                            for p in 0..<kh {
                                for q in 0..<kw {
                                    let wi = ((f * c + ch) * kh + p) * kw + q, xi = ((s * c + ch) * h + i + p) * w + j + q
                                    gw[wi] += g * x.storage[xi]
                                    dx.storage[xi] += g * weight[wi]
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
