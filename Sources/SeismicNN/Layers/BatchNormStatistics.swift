// BatchNormStatistics: BatchNorm's parameters, running statistics and all-reduce, in one place for
// the reference BatchNorm2d and the fused ConvBlock.

/// The state of one BatchNorm over C channels (PyTorch's names under a prefix): γ `weight` [C],
/// β `bias` [C], `running_mean` [C], `running_var` [C] and `num_batches_tracked`, with ε = 1e-5 and
/// momentum m = 0.1. Training: the batch mean and *biased* variance normalise; the running ones are
/// updated as r ← (1 − m)·r + m·s with the *unbiased* variance, and the counter advances by one.
/// Evaluation: the running statistics normalise.
///
/// In data-parallel training (`collective` set) the batch moments and the gradient sums are summed
/// over all processes, so every process normalises with the statistics of the whole global batch
/// (synchronised BatchNorm) and K processes compute what one would. The layers compute the per-channel
/// sums in their own layout; this type turns them into statistics, coefficients and gradients.
public final class BatchNormStatistics {
    public let channels: Int
    public let eps: Float
    public let momentum: Float
    public let weight: StateEntry, bias: StateEntry
    public let runningMean: StateEntry, runningVar: StateEntry, batchesTracked: StateEntry
    let store: ParameterStore
    public var collective: Collective?
    private var globalCount = 0
    private var batchMean: [Float] = []
    private var invStd: [Float] = []
    private var trainedBatch = false
    /// The last evaluation normalisation's scale and shift, rewritten in place on every evaluation call.
    private var evaluationScale: [Float] = [], evaluationShift: [Float] = []

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
        precondition(weight.shape == [channels], "\(prefix).weight shape \(weight.shape)")
    }

    /// The state entries of a BatchNorm over `channels` channels, in PyTorch order.
    public static func specs(_ prefix: String, channels: Int) -> [(name: String, shape: [Int], kind: StateKind)] {
        [
            (prefix + ".weight", [channels], .parameter), (prefix + ".bias", [channels], .parameter),
            (prefix + ".running_mean", [channels], .buffer), (prefix + ".running_var", [channels], .buffer),
            (prefix + ".num_batches_tracked", [], .counter)
        ]
    }

    /// PyTorch's initial values: γ = 1, β = 0, running mean 0, running variance 1, no batch tracked.
    public func resetToDefaults() {
        store.withMutableValues(of: weight) { $0.update(repeating: 1, count: channels) }
        store.withMutableValues(of: bias) { $0.update(repeating: 0, count: channels) }
        store.withMutableValues(of: runningMean) { $0.update(repeating: 0, count: channels) }
        store.withMutableValues(of: runningVar) { $0.update(repeating: 1, count: channels) }
        store.counters[batchesTracked.offset] = 0
    }

    /// The normalisation as one affine map per channel, y = x·scale + shift. In training, from the
    /// per-channel moments of this process's batch — the mean and Σ(x − mean)² over `count` values per
    /// channel (double precision) — updating the running statistics and the batch counter; in
    /// evaluation (nil), from the running statistics. In data-parallel training the moments of all
    /// processes are combined (Σx, Σx² and the count summed). Keeps the mean and 1/σ per channel for
    /// `gradientCoefficients`.
    public func normalisation(batchMoments: (mean: [Double], squaredDeviations: [Double], count: Int)?)
        -> (scale: [Float], shift: [Float])
    {
        guard let (localMean, squaredDeviations, count) = batchMoments else { return evaluationNormalisation() }
        let c = channels
        precondition(localMean.count == c && squaredDeviations.count == c, "BatchNorm(\(c)) got \(localMean.count) moments")
        var statistics: [(mean: Double, variance: Double)] = (0..<c).map {
            (localMean[$0], squaredDeviations[$0] / Double(max(count, 1)))
        }
        var m = Double(count)
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
        globalCount = Int(m)
        var means = [Float](repeating: 0, count: c), inv = [Float](repeating: 0, count: c)
        var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
        let g = store.pointer(weight), b = store.pointer(bias)
        store.withMutableValues(of: runningMean) { rm in
            store.withMutableValues(of: runningVar) { rv in
                for ch in 0..<c {
                    let mean = Float(statistics[ch].mean), variance = Float(statistics[ch].variance)
                    let unbiased = m > 1 ? Float(statistics[ch].variance * m / (m - 1)) : variance
                    rm[ch] = (1 - momentum) * rm[ch] + momentum * mean
                    rv[ch] = (1 - momentum) * rv[ch] + momentum * unbiased
                    let istd = 1 / (variance + eps).squareRoot()
                    means[ch] = mean
                    inv[ch] = istd
                    // y = (x − μ)·istd·γ + β as one multiply-add per value.
                    scale[ch] = istd * g[ch]
                    shift[ch] = b[ch] - mean * istd * g[ch]
                }
            }
        }
        store.counters[batchesTracked.offset] += 1
        batchMean = means
        invStd = inv
        trainedBatch = true
        return (scale, shift)
    }

    /// `normalisation(batchMoments: nil)`: the running statistics read in place, no state written but
    /// this object's record of the last normalisation (one window's latency is a few microseconds:
    /// this runs per block per call).
    private func evaluationNormalisation() -> (scale: [Float], shift: [Float]) {
        let c = channels
        let g = store.pointer(weight), b = store.pointer(bias)
        let rm = store.pointer(runningMean), rv = store.pointer(runningVar)
        // Written in place into arrays this object keeps: no caller holds them past its call, so
        // each is uniquely referenced here and none is allocated (three arrays and a copy per block
        // per call were 6 % of one EarthquakeCNN window's latency).
        if evaluationScale.count != c || batchMean.count != c || invStd.count != c {
            evaluationScale = [Float](repeating: 0, count: c)
            evaluationShift = [Float](repeating: 0, count: c)
            batchMean = [Float](repeating: 0, count: c)
            invStd = [Float](repeating: 0, count: c)
        }
        evaluationScale.withUnsafeMutableBufferPointer { scale in
            evaluationShift.withUnsafeMutableBufferPointer { shift in
                batchMean.withUnsafeMutableBufferPointer { mean in
                    invStd.withUnsafeMutableBufferPointer { inv in
                        for ch in 0..<c {
                            let istd = 1 / (rv[ch] + eps).squareRoot()
                            mean[ch] = rm[ch]
                            inv[ch] = istd
                            scale[ch] = istd * g[ch]
                            shift[ch] = b[ch] - rm[ch] * istd * g[ch]
                        }
                    }
                }
            }
        }
        globalCount = 0
        trainedBatch = false
        return (evaluationScale, evaluationShift)
    }

    /// Mean and 1/σ per channel of the last normalisation, and whether it used the batch's statistics.
    public var statistics: (mean: [Float], invStd: [Float], training: Bool) { (batchMean, invStd, trainedBatch) }

    /// From Σdy and Σdy·x̂ per channel (`flat[2c]`, `flat[2c+1]`, summed over processes here in
    /// data-parallel training) over `count` values per channel, accumulates ∂L/∂γ and ∂L/∂β and
    /// returns the input gradient's coefficients per channel: dx = k·(dy − a − x̂·b) in training,
    /// dx = k·dy in evaluation.
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
}
