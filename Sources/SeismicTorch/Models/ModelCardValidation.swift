// ModelCardValidation: a model card checked against what the code can build, before anything is allocated.

/// Why a model card (read from a checkpoint, inferred from tensor shapes or from an ONNX graph)
/// cannot describe a model this code builds: the field, its value and what was expected.
public struct ModelCardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Field path in the card's JSON terms, e.g. `architecture.pool[0]` or `preprocessing.highpassCornerHz`.
    public var field: String
    public var value: String
    public var expected: String

    public init(field: String, value: String, expected: String) {
        self.field = field
        self.value = value
        self.expected = expected
    }

    public var description: String { "model card field '\(field)' is \(value); expected \(expected)" }
}

extension ConvNetArchitecture {
    /// The bounds every architecture must respect; larger values are refused rather than allocated.
    public enum Limits {
        /// Input channels, and each convolution's output channels.
        public static let channels = 1...4096
        /// Input height and width (samples × components, or image pixels).
        public static let inputExtent = 1...1_000_000
        /// Values in one input item (height × width × channels).
        public static let inputValues = 1...(1 << 24)
        /// Convolution blocks.
        public static let blocks = 1...8
        /// Kernel and pooling extents.
        public static let kernelExtent = 1...64
        /// Hidden fully connected layers and their widths.
        public static let hiddenLayers = 0...8
        public static let hiddenWidth = 1...65_536
        /// Output classes.
        public static let classes = 1...10_000
        /// Values of all parameters and buffers together (2²⁸ floats = 1 GiB).
        public static let stateValues = 1...(1 << 28)
    }

    /// Checks every field against what `ConvNet` can build: three-entry input shape, two-entry
    /// kernel and pool, counts and extents within `Limits`, every block's convolution and pooling
    /// output at least 1 × 1 (fc1's input is the last block's flattened output by construction),
    /// dropout in [0, 1) and at most `Limits.stateValues` values in all. Throws the first field
    /// that fails.
    public func validate() throws(ModelCardError) {
        func fail(_ field: String, _ value: Any, _ expected: String) -> ModelCardError {
            ModelCardError(field: "architecture.\(field)", value: "\(value)", expected: expected)
        }
        func range(_ r: ClosedRange<Int>) -> String { "\(r.lowerBound)…\(r.upperBound)" }
        guard inputShape.count == 3 else { throw fail("inputShape", inputShape, "[channels, height, width]") }
        guard Limits.channels.contains(inputShape[0]) else { throw fail("inputShape[0]", inputShape[0], "input channels in \(range(Limits.channels))") }
        for i in 1...2 where !Limits.inputExtent.contains(inputShape[i]) {
            throw fail("inputShape[\(i)]", inputShape[i], "an extent in \(range(Limits.inputExtent))")
        }
        let values = inputShape[0] * inputShape[1] * inputShape[2]  // ≤ 4096 × 10¹², no overflow
        guard Limits.inputValues.contains(values) else { throw fail("inputShape", inputShape, "at most \(Limits.inputValues.upperBound) values per item") }
        guard Limits.blocks.contains(channels.count) else { throw fail("channels", channels, "\(range(Limits.blocks)) convolution blocks") }
        for (i, c) in channels.enumerated() where !Limits.channels.contains(c) {
            throw fail("channels[\(i)]", c, "output channels in \(range(Limits.channels))")
        }
        for (field, pair) in [("kernel", kernel), ("pool", pool)] {
            guard pair.count == 2 else { throw fail(field, pair, "[height, width]") }
            for (i, k) in pair.enumerated() where !Limits.kernelExtent.contains(k) {
                throw fail("\(field)[\(i)]", k, "an extent in \(range(Limits.kernelExtent))")
            }
        }
        var (h, w) = (inputShape[1], inputShape[2])
        for i in channels.indices {
            guard h >= kernel[0], w >= kernel[1] else {
                throw fail("kernel", kernel, "at most the input of block \(i + 1), [\(h), \(w)]")
            }
            let (ch, cw) = (h - kernel[0] + 1, w - kernel[1] + 1)
            guard ch >= pool[0], cw >= pool[1] else {
                throw fail("pool", pool, "at most the convolution output of block \(i + 1), [\(ch), \(cw)]")
            }
            (h, w) = (ch / pool[0], cw / pool[1])
        }
        guard Limits.hiddenLayers.contains(hidden.count) else { throw fail("hidden", hidden, "\(range(Limits.hiddenLayers)) hidden layers") }
        for (i, width) in hidden.enumerated() where !Limits.hiddenWidth.contains(width) {
            throw fail("hidden[\(i)]", width, "a width in \(range(Limits.hiddenWidth))")
        }
        guard Limits.classes.contains(classCount) else { throw fail("classCount", classCount, "\(range(Limits.classes)) classes") }
        guard dropout.isFinite, dropout >= 0, dropout < 1 else { throw fail("dropout", dropout, "a probability in [0, 1)") }
        var total = 0
        for spec in stateSpecs {
            var count = 1
            for d in spec.shape {
                let (p, o) = count.multipliedReportingOverflow(by: d)
                guard !o, Limits.stateValues.contains(p) else {
                    throw fail("(tensor \(spec.name))", spec.shape, "at most \(Limits.stateValues.upperBound) values")
                }
                count = p
            }
            total += count
            guard total <= Limits.stateValues.upperBound else {
                throw fail("(all tensors)", "more than \(Limits.stateValues.upperBound) values", "at most \(Limits.stateValues.upperBound) values")
            }
        }
    }
}

extension ModelCard {
    /// Sampling rates accepted for the model input and the preprocessing's source (Hz).
    public static let samplingRateLimits: ClosedRange<Double> = 1e-3...1e6
    /// Butterworth high-pass orders accepted (`preprocessing.highpassCorners`).
    public static let filterOrderLimits = 1...10
    /// Samples of the preprocessing's source window.
    public static let sourceWindowLimits = 1...10_000_000

    /// Whether the model takes time-series windows [1, samples, components] (else images [C, H, W]).
    public var isTimeSeries: Bool { architecture.inputShape.first == 1 }

    /// Checks the card against what the code can build and run (see `ConvNetArchitecture.validate()`),
    /// then: one unique, non-empty class name without commas per output; the sampling rate finite and in
    /// `samplingRateLimits`; for time series the window equal to the input's samples and one component
    /// code per input column (images: one per channel, window ≥ 0); taper fraction in [0, 0.5]; high-pass corner positive and below the Nyquist
    /// frequency of both the model's and the source's rate; filter order in `filterOrderLimits`;
    /// the source window in `sourceWindowLimits`; the amplitude chain the input's (windows or images).
    public func validate() throws(ModelCardError) {
        try architecture.validate()
        func fail(_ field: String, _ value: Any, _ expected: String) -> ModelCardError {
            ModelCardError(field: field, value: "\(value)", expected: expected)
        }
        guard classNames.count == architecture.classCount else {
            throw fail("classNames", classNames, "\(architecture.classCount) names, one per model output")
        }
        if let i = firstInvalidName(classNames) {
            throw fail("classNames[\(i)]", "'\(classNames[i])'", "a non-empty, unique name without commas")
        }
        let rates = "a finite rate in \(Self.samplingRateLimits.lowerBound)…\(Self.samplingRateLimits.upperBound) Hz"
        guard samplingRateHz.isFinite, Self.samplingRateLimits.contains(samplingRateHz) else { throw fail("samplingRateHz", samplingRateHz, rates) }
        let shape = architecture.inputShape
        if isTimeSeries {
            guard windowSamples == shape[1] else { throw fail("windowSamples", windowSamples, "\(shape[1]), the samples of the input \(shape)") }
        } else {
            guard (0...ConvNetArchitecture.Limits.inputValues.upperBound).contains(windowSamples) else {
                throw fail("windowSamples", windowSamples, "0…\(ConvNetArchitecture.Limits.inputValues.upperBound)")
            }
        }
        let componentCount = isTimeSeries ? shape[2] : shape[0]
        guard componentOrder.count == componentCount else {
            throw fail("componentOrder", componentOrder, "\(componentCount) component codes for the input \(shape)")
        }
        if let i = firstInvalidName(componentOrder) {
            throw fail("componentOrder[\(i)]", "'\(componentOrder[i])'", "a non-empty, unique code without commas")
        }
        try preprocessing.validate(samplingRateHz: samplingRateHz, windowSeconds: windowSeconds, isTimeSeries: isTimeSeries, input: shape)
    }
}

/// Index of the first class name or component code that is empty, contains a comma (files store
/// these lists comma-separated) or repeats an earlier one; nil when all are usable.
func firstInvalidName(_ names: [String]) -> Int? {
    var seen = Set<String>()
    return names.firstIndex { n in n.isEmpty || n.contains(",") || !seen.insert(n).inserted }
}

extension Preprocessing {
    /// Checks that this chain can run for the windows of a contract at `samplingRateHz` of
    /// `windowSeconds` (0 for images): taper fraction in [0, 0.5]; source rate in
    /// `ModelCard.samplingRateLimits`; high-pass corner positive and below the Nyquist frequency of
    /// both rates; filter order in `ModelCard.filterOrderLimits`; source window in
    /// `ModelCard.sourceWindowLimits` and, for time series, spanning `windowSeconds`; the
    /// amplitude chain the input's (windows or images). Used for cards (at load) and for
    /// datasets (at load), so a chain that cannot run is refused before anything is trained on it.
    /// - Throws: `ModelCardError` naming the field ("preprocessing.…").
    public func validate(samplingRateHz: Double, windowSeconds: Double, isTimeSeries: Bool, input shape: [Int]) throws(ModelCardError) {
        func fail(_ field: String, _ value: Any, _ expected: String) -> ModelCardError {
            ModelCardError(field: field, value: "\(value)", expected: expected)
        }
        let rates = "a finite rate in \(ModelCard.samplingRateLimits.lowerBound)…\(ModelCard.samplingRateLimits.upperBound) Hz"
        let p = self
        guard p.taperFraction.isFinite, (0...0.5).contains(p.taperFraction) else {
            throw fail("preprocessing.taperFraction", p.taperFraction, "a fraction in 0…0.5")
        }
        guard p.sourceSamplingRateHz.isFinite, ModelCard.samplingRateLimits.contains(p.sourceSamplingRateHz) else {
            throw fail("preprocessing.sourceSamplingRateHz", p.sourceSamplingRateHz, rates)
        }
        let nyquist = min(samplingRateHz, p.sourceSamplingRateHz) / 2
        guard p.highpassCornerHz.isFinite, p.highpassCornerHz > 0, p.highpassCornerHz < nyquist else {
            throw fail("preprocessing.highpassCornerHz", p.highpassCornerHz, "a corner above 0 and below the Nyquist frequency \(nyquist) Hz")
        }
        guard ModelCard.filterOrderLimits.contains(p.highpassCorners) else {
            throw fail(
                "preprocessing.highpassCorners", p.highpassCorners,
                "a filter order in \(ModelCard.filterOrderLimits.lowerBound)…\(ModelCard.filterOrderLimits.upperBound)")
        }
        guard ModelCard.sourceWindowLimits.contains(p.sourceWindowSamples) else {
            throw fail(
                "preprocessing.sourceWindowSamples", p.sourceWindowSamples,
                "\(ModelCard.sourceWindowLimits.lowerBound)…\(ModelCard.sourceWindowLimits.upperBound) samples")
        }
        // A window of the card spans what the chain cuts: 200 samples at 100 Hz are 80 at 40 Hz.
        if isTimeSeries, abs(p.windowSeconds - windowSeconds) > 1e-9 * windowSeconds {
            throw fail(
                "preprocessing.sourceWindowSamples", p.sourceWindowSamples,
                "\(windowSeconds * p.sourceSamplingRateHz) samples at \(p.sourceSamplingRateHz) Hz, the \(windowSeconds) s of the card's window")
        }
        // Detrend method, amplitude chain and units are typed: a card naming one this code cannot run
        // is refused while it is decoded. The chain must fit the input: windows or images.
        guard (p.amplitudeChain == .timeSeries) == isTimeSeries else {
            throw fail(
                "preprocessing.amplitudeChain", p.amplitudeChain.steps,
                "\((isTimeSeries ? AmplitudeChain.timeSeries : .spectrogramImage).steps) for the input \(shape)")
        }
    }
}
