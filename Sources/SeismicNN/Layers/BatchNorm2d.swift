// BatchNorm2d: per-channel batch normalisation over N, H, W (reference: torch.nn.BatchNorm2d).

import CSeismicKernels
import Foundation

/// Training: y = γ (x − μ_B) / √(σ²_B + ε) + β with the batch mean and *biased* variance; running
/// stats updated as r ← (1 − m) r + m s with the *unbiased* variance, m = 0.1, and
/// `num_batches_tracked` += 1. Evaluation: the running stats instead. ε = 1e-5.
public final class BatchNorm2d: Layer {
    public let channels: Int
    public let eps: Float
    public let momentum: Float
    public let weight: StateEntry, bias: StateEntry
    public let runningMean: StateEntry, runningVar: StateEntry, batchesTracked: StateEntry
    let store: ParameterStore
    /// In data-parallel training, batch statistics (and their gradients) are summed over all
    /// processes, so every process normalises with the statistics of the whole global batch
    /// (synchronised BatchNorm) and K processes compute what one would.
    public var collective: Collective?
    private var globalCount = 0
    private var input: Tensor?
    private var batchMean: [Float] = []
    private var invStd: [Float] = []
    private var trainedBatch = false

    public init(store: ParameterStore, prefix: String, channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        self.store = store
        self.channels = channels
        self.eps = eps
        self.momentum = momentum
        weight = store.require(prefix + ".weight")
        bias = store.require(prefix + ".bias")
        runningMean = store.require(prefix + ".running_mean")
        runningVar = store.require(prefix + ".running_var")
        batchesTracked = store.require(prefix + ".num_batches_tracked")
    }

    public static func specs(_ prefix: String, channels: Int) -> [(name: String, shape: [Int], kind: StateKind)] {
        [(prefix + ".weight", [channels], .parameter), (prefix + ".bias", [channels], .parameter),
         (prefix + ".running_mean", [channels], .buffer), (prefix + ".running_var", [channels], .buffer),
         (prefix + ".num_batches_tracked", [], .counter)]
    }

    /// PyTorch's initial values: γ = 1, β = 0, running mean 0, running variance 1.
    public func resetToDefaults() {
        store.pointer(weight).update(repeating: 1, count: channels)
        store.pointer(bias).update(repeating: 0, count: channels)
        store.pointer(runningMean).update(repeating: 0, count: channels)
        store.pointer(runningVar).update(repeating: 1, count: channels)
        store.counters[batchesTracked.offset] = 0
    }

    /// The normalisation of `x` as one affine map per channel, y = x·scale + shift: with the batch's
    /// statistics in training (running statistics and the batch counter are updated), the running
    /// ones in evaluation. Keeps what `backward` needs (the input, mean and 1/σ per channel).
    private func normalisation(_ x: Tensor, training: Bool) -> (scale: [Float], shift: [Float]) {
        precondition(x.rank == 4 && x.shape[1] == channels, "BatchNorm2d(\(channels)) got \(x.shape)")
        input = x
        guard training else { return normalisation(batchMoments: nil) }
        let (n, c, plane) = (x.shape[0], channels, x.shape[2] * x.shape[3])
        var mean = [Double](repeating: 0, count: c), deviations = [Double](repeating: 0, count: c)
        x.storage.withUnsafeBufferPointer { xb in
            mean.withUnsafeMutableBufferPointer { mb in
                deviations.withUnsafeMutableBufferPointer { db in
                    let (xp, mp, dp) = (xb.baseAddress!, mb.baseAddress!, db.baseAddress!)
                    Parallel.forEachChunk(c, minimumPerChunk: max(1, 32_768 / max(n * plane, 1))) { _, channelsRange in
                        for ch in channelsRange { sk_channel_moments(xp + ch * plane, n, c * plane, plane, mp + ch, dp + ch) }
                    }
                }
            }
        }
        return normalisation(batchMoments: (mean, deviations, n * plane))
    }

    /// The same for callers that hold the activations in another layout: in training, from the
    /// per-channel moments of this process's batch — the mean and Σ(x − mean)² over `count` values
    /// per channel (two-pass, double precision); in evaluation (nil), from the running statistics.
    /// In data-parallel training the moments of all processes are combined (Σx, Σx² and the count
    /// summed), so every process normalises with the global batch.
    public func normalisation(batchMoments: (mean: [Double], squaredDeviations: [Double], count: Int)?)
        -> (scale: [Float], shift: [Float]) {
        let c = channels
        let training = batchMoments != nil
        var statistics: [(mean: Double, variance: Double)] = []
        var m = 0.0
        if let (localMean, squaredDeviations, count) = batchMoments {
            precondition(localMean.count == c && squaredDeviations.count == c, "BatchNorm2d(\(c)) got \(localMean.count) moments")
            statistics = (0..<c).map { (localMean[$0], squaredDeviations[$0] / Double(max(count, 1))) }
            m = Double(count)
            if let col = collective {
                var flat = [Double](repeating: 0, count: 2 * c + 1)
                for ch in 0..<c {
                    flat[2 * ch] = localMean[ch] * m
                    flat[2 * ch + 1] = squaredDeviations[ch] + m * localMean[ch] * localMean[ch]
                }
                flat[2 * c] = m
                flat.withUnsafeMutableBufferPointer { col.sum($0.baseAddress!, count: 2 * c + 1) }
                m = flat[2 * c]
                statistics = (0..<c).map { ch in
                    let mean = flat[2 * ch] / m
                    return (mean, max(flat[2 * ch + 1] / m - mean * mean, 0))
                }
            }
        }
        globalCount = Int(m)
        var means = [Float](repeating: 0, count: c), inv = [Float](repeating: 0, count: c)
        var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
        let g = store.pointer(weight), b = store.pointer(bias)
        let rm = store.pointer(runningMean), rv = store.pointer(runningVar)
        for ch in 0..<c {
            var mean: Float, variance: Float
            if training {
                mean = Float(statistics[ch].mean)
                variance = Float(statistics[ch].variance)
                let unbiased = m > 1 ? Float(statistics[ch].variance * m / (m - 1)) : variance
                rm[ch] = (1 - momentum) * rm[ch] + momentum * mean
                rv[ch] = (1 - momentum) * rv[ch] + momentum * unbiased
            } else {
                mean = rm[ch]
                variance = rv[ch]
            }
            let istd = 1 / (variance + eps).squareRoot()
            means[ch] = mean
            inv[ch] = istd
            // y = (x − μ)·istd·γ + β as one multiply-add per value.
            scale[ch] = istd * g[ch]
            shift[ch] = b[ch] - mean * istd * g[ch]
        }
        if training { store.counters[batchesTracked.offset] += 1 }
        batchMean = means
        invStd = inv
        trainedBatch = training
        return (scale, shift)
    }

    /// Mean and 1/σ per channel of the last normalisation, and whether it used the batch's statistics.
    public var statistics: (mean: [Float], invStd: [Float], training: Bool) { (batchMean, invStd, trainedBatch) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (scale, shift) = normalisation(x, training: training)
        let (n, c, plane) = (x.shape[0], channels, x.shape[2] * x.shape[3])
        var y = Tensor(uninitialized: x.shape)
        x.storage.withUnsafeBufferPointer { xb in
            y.storage.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                Parallel.forEachChunk(c, minimumPerChunk: max(1, 32_768 / max(n * plane, 1))) { _, channelsRange in
                    for ch in channelsRange {
                        for i in 0..<n {
                            let o = (i * c + ch) * plane
                            sk_affine(xp + o, yp + o, plane, scale[ch], shift[ch])
                        }
                    }
                }
            }
        }
        return y
    }

    /// From Σdy and Σdy·x̂ per channel (`flat[2c]`, `flat[2c+1]`, summed over processes here in
    /// data-parallel training), accumulates ∂L/∂γ and ∂L/∂β and returns the input gradient's
    /// coefficients per channel: dx = k·(dy − a − x̂·b) in training, dx = k·dy in evaluation.
    public func gradientCoefficients(_ flat: inout [Double], count m: Int) -> [(k: Float, a: Float, b: Float)] {
        let c = channels
        let count = trainedBatch && collective != nil ? Float(globalCount) : Float(m)
        if trainedBatch, let col = collective { flat.withUnsafeMutableBufferPointer { col.sum($0.baseAddress!, count: 2 * c) } }
        let g = store.pointer(weight)
        let gg = store.gradient(weight), gb = store.gradient(bias)
        return (0..<c).map { ch in
            let (sumDy, sumDyH) = (flat[2 * ch], flat[2 * ch + 1])
            gg[ch] += Float(sumDyH)
            gb[ch] += Float(sumDy)
            let k = g[ch] * invStd[ch]
            return trainedBatch ? (k, Float(sumDy) / count, Float(sumDyH) / count) : (k, 0, 0)
        }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("BatchNorm2d.backward before forward") }
        precondition(dy.shape == x.shape, "gradient shape \(dy.shape) vs \(x.shape)")
        let (n, c, plane) = (dy.shape[0], channels, dy.shape[2] * dy.shape[3])
        var dx = Tensor(uninitialized: dy.shape)
        let training = trainedBatch
        let inv = invStd, means = batchMean
        // Σdy and Σdy·x̂ per channel (summed over all processes in data-parallel training).
        var flat = [Double](repeating: 0, count: 2 * c)
        dy.storage.withUnsafeBufferPointer { db in
            x.storage.withUnsafeBufferPointer { xb in
                flat.withUnsafeMutableBufferPointer { fb in
                    let dp = db.baseAddress!, xp = xb.baseAddress!, fp = fb.baseAddress!
                    Parallel.forEachChunk(c, minimumPerChunk: max(1, 32_768 / max(n * plane, 1))) { _, channelsRange in
                        for ch in channelsRange {
                            for i in 0..<n { let o = (i * c + ch) * plane; sk_bn_backward_sums(xp + o, dp + o, plane, means[ch], inv[ch], fp + 2 * ch) }
                        }
                    }
                }
            }
        }
        let coefficients = gradientCoefficients(&flat, count: n * plane)
        dy.storage.withUnsafeBufferPointer { db in
            x.storage.withUnsafeBufferPointer { xb in
                dx.storage.withUnsafeMutableBufferPointer { ob in
                    let dp = db.baseAddress!, xp = xb.baseAddress!, op = ob.baseAddress!
                    Parallel.forEachChunk(c, minimumPerChunk: max(1, 32_768 / max(n * plane, 1))) { _, channelsRange in
                        for ch in channelsRange {
                            // x̂ is recomputed from the cached input: (x − μ)·istd.
                            let (k, a, b) = coefficients[ch]
                            for i in 0..<n {
                                let o = (i * c + ch) * plane
                                if training {
                                    sk_bn_backward_dx(xp + o, dp + o, op + o, plane, means[ch], inv[ch], k, a, b)
                                } else {
                                    sk_affine(dp + o, op + o, plane, k, 0)
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
