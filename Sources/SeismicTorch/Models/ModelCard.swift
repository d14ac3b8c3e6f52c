// ModelCard: a model's contract as data — classes, sampling, window, components, preprocessing, history.

/// One epoch of a training run.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var learningRate: Double
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double
    public var validationAccuracy: Double
    public var seconds: Double

    public init(
        epoch: Int, learningRate: Double, trainLoss: Double, trainAccuracy: Double,
        validationLoss: Double, validationAccuracy: Double, seconds: Double
    ) {
        self.epoch = epoch
        self.learningRate = learningRate
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.seconds = seconds
    }
}

/// What a checkpoint promises its user: the network, the ordered classes (order = logit index),
/// the sampling rate and window of its input, the component order, the preprocessing, and how it
/// was trained. Travels inside every checkpoint.
public struct ModelCard: Codable, Equatable, Sendable, HoldsInputContract {
    public var architecture: ConvNetArchitecture
    /// The input contract (classes, sampling rate, window, component order, units,
    /// preprocessing), the type a prepared dataset's metadata holds too.
    public var input: InputContract
    public var history: [EpochRecord]
    /// Free-form provenance (dataset, seed, command line).
    public var notes: [String: String]

    public init(
        architecture: ConvNetArchitecture, classNames: [String], samplingRateHz: Double, windowSamples: Int,
        componentOrder: [String], units: SampleUnit = .metersPerSecondSquared, preprocessing: Preprocessing? = nil,
        history: [EpochRecord] = [], notes: [String: String] = [:]
    ) {
        precondition(
            classNames.count == architecture.classCount,
            "\(classNames.count) class names for \(architecture.classCount) outputs")
        self.architecture = architecture
        input = InputContract(
            classNames: classNames, samplingRateHz: samplingRateHz, windowSamples: windowSamples, componentOrder: componentOrder, units: units,
            preprocessing: preprocessing)
        self.history = history
        self.notes = notes
    }

    // Encoded flat (the contract's fields beside the others), as every checkpoint so far is.
    private enum CodingKeys: String, CodingKey {
        case architecture, classNames, samplingRateHz, windowSamples, componentOrder, units, preprocessing, history, notes
    }
    private enum LegacyPreprocessingKeys: String, CodingKey { case units }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architecture = try c.decode(ConvNetArchitecture.self, forKey: .architecture)
        input = try InputContract(from: decoder)
        // Cards written before units were part of the input contract hold them in preprocessing.
        if try !InputContract.hasUnits(decoder) {
            let legacy = try c.nestedContainer(keyedBy: LegacyPreprocessingKeys.self, forKey: .preprocessing)
            if let word = try legacy.decodeIfPresent(String.self, forKey: .units) {
                guard let unit = SampleUnit(name: word) else {
                    throw ModelCardError(field: "preprocessing.units", value: "'\(word)'", expected: SampleUnit.accepted)
                }
                input.units = unit
            }
        }
        history = try c.decode([EpochRecord].self, forKey: .history)
        notes = try c.decode([String: String].self, forKey: .notes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture)
        try input.encode(to: encoder)
        try c.encode(history, forKey: .history)
        try c.encode(notes, forKey: .notes)
    }

    /// Seconds of signal in one model input: `windowSamples` ÷ `samplingRateHz` (0 for a
    /// spectrogram model, whose card has no window).
    public var windowSeconds: Double { input.windowSeconds }

    /// The class treated as "nothing happening" (classify's summary, the monitor's trigger): a
    /// class named Noise (any case), else the last class.
    public static func backgroundClass(of classNames: [String]) -> Int {
        classNames.firstIndex { $0.lowercased() == "noise" } ?? classNames.count - 1
    }

    /// The class treated as "nothing happening" (see `backgroundClass(of:)`).
    public var backgroundClass: Int { Self.backgroundClass(of: classNames) }

    /// The reference's pre-training task: P-wave, S-wave, Noise on 2 s windows at 40 Hz.
    public static func earthquakePretraining() -> ModelCard {
        ModelCard(
            architecture: .earthquake(classCount: 3), classNames: ["P-wave", "S-wave", "Noise"],
            samplingRateHz: 40, windowSamples: 80, componentOrder: ["E", "N", "Z"])
    }

    /// The reference's spectrogram task: Event, Noise on [3, 100, 150] images of Z, X, Y.
    public static func spectrogramEvents() -> ModelCard {
        ModelCard(
            architecture: .spectrogram(classCount: 2), classNames: ["Event", "Noise"], samplingRateHz: 100,
            windowSamples: 0, componentOrder: ["Z", "X", "Y"], preprocessing: .spectrogramReference)
    }
}
