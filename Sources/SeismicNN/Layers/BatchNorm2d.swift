// BatchNorm2d: per-channel batch normalisation over N, H, W (reference: torch.nn.BatchNorm2d),
// forward and backward as plain loops: the reference the fused ConvBlock is tested against.

/// y[n,c,i,j] = γ[c]·(x[n,c,i,j] − μ[c]) / √(σ²[c] + ε) + β[c], channels-first [N, C, H, W].
/// Training: μ, σ² are the batch's mean and *biased* variance over N·H·W values per channel; the
/// running statistics and the counter are updated (`BatchNormStatistics`). Evaluation: the running
/// statistics instead.
public final class BatchNorm2d: Layer {
    /// γ, β, the running statistics and the collective (data-parallel training).
    public let state: BatchNormStatistics
    public var channels: Int { state.channels }
    private var input: Tensor?

    public init(store: ParameterStore, prefix: String, channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        state = BatchNormStatistics(store: store, prefix: prefix, channels: channels, eps: eps, momentum: momentum)
    }

    public static func specs(_ prefix: String, channels: Int) -> [(name: String, shape: [Int], kind: StateKind)] {
        BatchNormStatistics.specs(prefix, channels: channels)
    }

    /// PyTorch's initial values: γ = 1, β = 0, running mean 0, running variance 1.
    public func resetToDefaults() { state.resetToDefaults() }

    /// x [N, C, H, W] → y [N, C, H, W].
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == channels, "BatchNorm2d(\(channels)) got \(x.shape)")
        input = x
        let (n, c, plane) = (x.shape[0], channels, x.shape[2] * x.shape[3])
        var moments: (mean: [Double], squaredDeviations: [Double], count: Int)?
        if training {
            // Two passes per channel in double: mean[c] = Σx / (N·H·W), then Σ(x − mean[c])².
            var mean = [Double](repeating: 0, count: c), squared = [Double](repeating: 0, count: c)
            for ch in 0..<c {
                for s in 0..<n { for i in 0..<plane { mean[ch] += Double(x.storage[(s * c + ch) * plane + i]) } }
                mean[ch] /= Double(max(n * plane, 1))
                for s in 0..<n {
                    for i in 0..<plane {
                        let d = Double(x.storage[(s * c + ch) * plane + i]) - mean[ch]
                        squared[ch] += d * d
                    }
                }
            }
            moments = (mean, squared, n * plane)
        }
        let (scale, shift) = state.normalisation(batchMoments: moments)
        var y = Tensor(uninitialized: x.shape)
        for s in 0..<n {
            for ch in 0..<c {
                for i in 0..<plane {
                    let at = (s * c + ch) * plane + i
                    y.storage[at] = x.storage[at] * scale[ch] + shift[ch]
                }
            }
        }
        return y
    }

    /// dy [N, C, H, W] → dx [N, C, H, W], accumulating ∂L/∂γ = Σdy·x̂ and ∂L/∂β = Σdy per channel.
    /// Training: dx = γ·istd·(dy − Σdy/m − x̂·Σ(dy·x̂)/m) with x̂ = (x − μ)·istd and m = N·H·W (global
    /// batch); evaluation: dx = γ·istd·dy.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("BatchNorm2d.backward before forward") }
        precondition(dy.shape == x.shape, "gradient shape \(dy.shape) vs \(x.shape)")
        let (n, c, plane) = (dy.shape[0], channels, dy.shape[2] * dy.shape[3])
        let (mean, istd, training) = state.statistics
        // flat[2c] = Σdy, flat[2c + 1] = Σdy·x̂ per channel, in double.
        var flat = [Double](repeating: 0, count: 2 * c)
        for s in 0..<n {
            for ch in 0..<c {
                for i in 0..<plane {
                    let at = (s * c + ch) * plane + i
                    let d = dy.storage[at]
                    flat[2 * ch] += Double(d)
                    flat[2 * ch + 1] += Double(d * ((x.storage[at] - mean[ch]) * istd[ch]))
                }
            }
        }
        let coefficients = state.gradientCoefficients(&flat, count: n * plane)
        var dx = Tensor(uninitialized: dy.shape)
        for s in 0..<n {
            for ch in 0..<c {
                let (k, a, b) = coefficients[ch]
                for i in 0..<plane {
                    let at = (s * c + ch) * plane + i
                    if training {
                        dx.storage[at] = k * (dy.storage[at] - a - (x.storage[at] - mean[ch]) * istd[ch] * b)
                    } else {
                        dx.storage[at] = dy.storage[at] * k
                    }
                }
            }
        }
        return dx
    }
}
