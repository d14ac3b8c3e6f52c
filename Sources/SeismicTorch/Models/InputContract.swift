// InputContract: what a model's input is and what a dataset's windows are — the one description
// a model card and a prepared dataset share, and the check that they agree.

import Foundation
import SeismicIO

/// What a dataset is used for with a model, which decides the fields that must agree.
public enum ModelUse: Sendable {
    /// Scoring the model on the dataset's labels: every field (classes and units included).
    case evaluation
    /// Predictions only (classify): all but the class names, which are not used.
    case inference
    /// Training further: neither classes (the head may be replaced) nor units (the windows are
    /// normalised; the fine-tuned card takes the dataset's units).
    case fineTuning
}

/// The contract between windows and a model: ordered classes, sampling rate, window length,
/// component order, units, and the preprocessing that made the windows (the chain itself). A `ModelCard` and a `DatasetMetadata` each hold one (`input`); a
/// dataset is fed to a model only when the two agree (`disagreement(withDataset:use:)`).
public struct InputContract: Codable, Equatable, Sendable {
    /// Class names in logit (and label) order.
    public var classNames: [String]
    /// Sampling rate of the windows' samples in Hz (after preparation).
    public var samplingRateHz: Double
    /// Samples per component in one window (0 for spectrogram images, which have no window).
    public var windowSamples: Int
    /// Component codes in the order of the window's last axis (E, N, Z; or X, Y, Z).
    public var componentOrder: [String]
    /// What the samples measure before normalisation (m/s² unless a preparation says otherwise).
    public var units: SampleUnit
    /// The chain records and windows go through: what a preparation ran to make the windows and
    /// what a model runs on new records (`prepareRecord`, `prepareWindows`).
    public var preprocessing: Preprocessing

    /// - Parameter preprocessing: the chain; by default the reference's steps cutting this
    /// window's duration (`Preprocessing.reference(windowSeconds:)`: 200 samples at 100 Hz for
    /// 80 at 40 Hz), or the spectrogram chain for images (`windowSamples` 0).
    public init(
        classNames: [String], samplingRateHz: Double, windowSamples: Int, componentOrder: [String], units: SampleUnit = .metersPerSecondSquared,
        preprocessing: Preprocessing? = nil
    ) {
        self.classNames = classNames
        self.samplingRateHz = samplingRateHz
        self.windowSamples = windowSamples
        self.componentOrder = componentOrder
        self.units = units
        self.preprocessing =
            preprocessing ?? (windowSamples > 0 ? .reference(windowSeconds: Double(windowSamples) / samplingRateHz) : .spectrogramReference)
    }

    enum CodingKeys: String, CodingKey { case classNames, samplingRateHz, windowSamples, componentOrder, units, preprocessing }

    /// Reads the contract's fields from the owner's (flat) container. `units` may be absent (files
    /// written before it was part of the contract): then m/s², and the owner may know better
    /// (`hasUnits(_:)`); a spelling this code does not know is refused naming the field.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        classNames = try c.decode([String].self, forKey: .classNames)
        samplingRateHz = try c.decode(Double.self, forKey: .samplingRateHz)
        windowSamples = try c.decode(Int.self, forKey: .windowSamples)
        componentOrder = try c.decode([String].self, forKey: .componentOrder)
        preprocessing = try c.decode(Preprocessing.self, forKey: .preprocessing)
        units = .metersPerSecondSquared
        if let word = try c.decodeIfPresent(String.self, forKey: .units) {
            guard let unit = SampleUnit(name: word) else {
                throw ModelCardError(field: "units", value: "'\(word)'", expected: SampleUnit.accepted)
            }
            units = unit
        }
    }

    /// Whether the owner's container states the units (see `init(from:)`).
    static func hasUnits(_ decoder: any Decoder) throws -> Bool { try decoder.container(keyedBy: CodingKeys.self).contains(.units) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(classNames, forKey: .classNames)
        try c.encode(samplingRateHz, forKey: .samplingRateHz)
        try c.encode(windowSamples, forKey: .windowSamples)
        try c.encode(componentOrder, forKey: .componentOrder)
        try c.encode(units.name, forKey: .units)
        try c.encode(preprocessing, forKey: .preprocessing)
    }

    /// Seconds of signal in one window: `windowSamples` ÷ `samplingRateHz`.
    public var windowSeconds: Double { Double(windowSamples) / samplingRateHz }

    /// The first field in which `dataset` (a dataset's contract) differs from this one (a model's),
    /// with both values as text; nil when they agree. Component orders of one naming scheme must be
    /// equal (Z,N,E is not E,N,Z); different schemes (X,Y,Z for the accelerometers, E,N,Z for
    /// STEAD) are matched by position when each position holds components of one kind
    /// (`ComponentMapping`: X and E east-like, Y and N north-like), as fine-tuning does. The preprocessing is compared for
    /// every use, class names for `.evaluation`, units for `.evaluation` and `.inference` (see
    /// `ModelUse`).
    public func disagreement(withDataset dataset: InputContract, use: ModelUse) -> (field: String, dataset: String, model: String)? {
        if dataset.preprocessing != preprocessing {
            return ("preprocessing", dataset.preprocessing.summary, preprocessing.summary)
        }
        if dataset.samplingRateHz != samplingRateHz {
            return ("sampling rate", "\(dataset.samplingRateHz) Hz", "\(samplingRateHz) Hz")
        }
        // Position by position the components must be of one kind (vertical, north-like,
        // east-like: `ComponentMapping`), so E,N,Z meets X,Y,Z but N,E,Z does not.
        let kindsDiffer = zip(dataset.componentOrder, componentOrder).contains { d, m in
            guard let a = d.last.flatMap(ComponentMapping.kind(of:)), let b = m.last.flatMap(ComponentMapping.kind(of:)) else { return false }
            return a != b
        }
        if dataset.componentOrder.count != componentOrder.count || kindsDiffer
            || (Set(dataset.componentOrder) == Set(componentOrder) && dataset.componentOrder != componentOrder)
        {
            return ("component order", "\(dataset.componentOrder)", "\(componentOrder)")
        }
        if use == .evaluation, dataset.classNames != classNames { return ("class names", "\(dataset.classNames)", "\(classNames)") }
        if use != .fineTuning, dataset.units != units { return ("units", dataset.units.name, units.name) }
        return nil
    }
}

extension InputContract {
    /// The first field in which `other` differs from this contract, exactly (component codes by
    /// name, not position), with both values as text; nil when they are equal. What datasets to be
    /// merged must share (besides their window shape).
    public func difference(from other: InputContract) -> (field: String, mine: String, theirs: String)? {
        if samplingRateHz != other.samplingRateHz { return ("sampling rate", "\(samplingRateHz) Hz", "\(other.samplingRateHz) Hz") }
        if windowSamples != other.windowSamples { return ("window", "\(windowSamples) samples", "\(other.windowSamples) samples") }
        if componentOrder != other.componentOrder { return ("component order", "\(componentOrder)", "\(other.componentOrder)") }
        if classNames != other.classNames { return ("classes", "\(classNames)", "\(other.classNames)") }
        if units != other.units { return ("units", units.name, other.units.name) }
        if preprocessing != other.preprocessing { return ("preprocessing", preprocessing.summary, other.preprocessing.summary) }
        return nil
    }
}

/// A type that holds an `InputContract` (`ModelCard`, `DatasetMetadata`) and shows its fields as
/// its own, reading and writing through to `input`.
public protocol HoldsInputContract {
    var input: InputContract { get set }
}

extension HoldsInputContract {
    /// Class names in logit (and label) order (`input.classNames`).
    public var classNames: [String] {
        get { input.classNames }
        set { input.classNames = newValue }
    }
    /// Sampling rate of the windows in Hz (`input.samplingRateHz`).
    public var samplingRateHz: Double {
        get { input.samplingRateHz }
        set { input.samplingRateHz = newValue }
    }
    /// Samples per component in one window (`input.windowSamples`).
    public var windowSamples: Int {
        get { input.windowSamples }
        set { input.windowSamples = newValue }
    }
    /// Component codes in the order of the window's last axis (`input.componentOrder`).
    public var componentOrder: [String] {
        get { input.componentOrder }
        set { input.componentOrder = newValue }
    }
    /// What the samples measure before normalisation (`input.units`).
    public var units: SampleUnit {
        get { input.units }
        set { input.units = newValue }
    }
    /// The chain the windows go through (`input.preprocessing`).
    public var preprocessing: Preprocessing {
        get { input.preprocessing }
        set { input.preprocessing = newValue }
    }
}
