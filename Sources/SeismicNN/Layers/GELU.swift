// GELU: the exact Gaussian error linear unit (reference: torch.nn.GELU(approximate='none')).

import CSeismicKernels
import Foundation

/// Uses `FastMath.erf`/`exp` (vectorised C kernels, < 5e-7 absolute error) instead of libm.
/// y = x · Φ(x) = ½ x (1 + erf(x/√2));  dy/dx = Φ(x) + x φ(x), φ(x) = e^{−x²/2}/√(2π).
public final class GELU: Layer {
    private var input: Tensor?

    public init() {}

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        input = training ? x : nil
        var y = Tensor(uninitialized: x.shape)
        apply(x, into: &y)
        return y
    }

    /// Evaluation, `forward(x, training: false)`, into `output` of x's shape (`Tensor.prepareOutput`:
    /// its storage reused when it holds as many values).
    public func evaluate(_ x: Tensor, into output: inout Tensor) {
        input = nil
        output.prepareOutput(shape: x.shape)
        apply(x, into: &output)
    }

    private func apply(_ x: Tensor, into y: inout Tensor) {
        x.storage.withUnsafeBufferPointer { xb in
            y.storage.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                Parallel.forEachChunk(yb.count, minimumPerChunk: 16_384) { _, r in
                    sk_gelu_forward(xp + r.lowerBound, yp + r.lowerBound, r.count)
                }
            }
        }
    }

    /// ∂L/∂x = ∂L/∂y · GELU'(x), in a fresh tensor.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("GELU.backward needs a training-mode forward first") }
        precondition(x.count == dy.count, "GELU gradient: \(x.shape) vs \(dy.shape)")
        var dx = Tensor(uninitialized: dy.shape)
        x.storage.withUnsafeBufferPointer { xb in
            dy.storage.withUnsafeBufferPointer { db in
                dx.storage.withUnsafeMutableBufferPointer { ob in
                    let xp = xb.baseAddress!, dp = db.baseAddress!, op = ob.baseAddress!
                    Parallel.forEachChunk(ob.count, minimumPerChunk: 16_384) { _, r in
                        sk_gelu_backward(xp + r.lowerBound, dp + r.lowerBound, op + r.lowerBound, r.count)
                    }
                }
            }
        }
        return dx
    }
}
