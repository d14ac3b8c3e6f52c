// InputContract: what a model's input is and what a dataset's windows are — the one description
// a model card and a prepared dataset share, and the check that they agree.

import Foundation

/// The contract between windows and a model: ordered classes, sampling rate, window length and
/// component order. A `ModelCard` and a `DatasetMetadata` each hold one (`input`); a dataset is
/// fed to a model only when the two agree (`disagreement(withDataset:sameClasses:)`).
public struct InputContract: Codable, Equatable, Sendable {
    /// Class names in logit (and label) order.
    public var classNames: [String]
    /// Sampling rate of the windows' samples in Hz (after preparation).
    public var samplingRateHz: Double
    /// Samples per component in one window (0 for spectrogram images, which have no window).
    public var windowSamples: Int
    /// Component codes in the order of the window's last axis (E, N, Z; or X, Y, Z).
    public var componentOrder: [String]

    public init(classNames: [String], samplingRateHz: Double, windowSamples: Int, componentOrder: [String]) {
        self.classNames = classNames
        self.samplingRateHz = samplingRateHz
        self.windowSamples = windowSamples
        self.componentOrder = componentOrder
    }

    /// Seconds of signal in one window: `windowSamples` ÷ `samplingRateHz`.
    public var windowSeconds: Double { Double(windowSamples) / samplingRateHz }

    /// The first field in which `dataset` (a dataset's contract) differs from this one (a model's),
    /// with both values as text; nil when they agree. Component orders of one naming scheme must be
    /// equal (Z,N,E is not E,N,Z); different schemes (X,Y,Z for the accelerometers, E,N,Z for
    /// STEAD) are matched by position, as fine-tuning does. Class names are compared only with
    /// `sameClasses` (fine-tuning may replace the head).
    public func disagreement(withDataset dataset: InputContract, sameClasses: Bool) -> (field: String, dataset: String, model: String)? {
        if dataset.samplingRateHz != samplingRateHz {
            return ("sampling rate", "\(dataset.samplingRateHz) Hz", "\(samplingRateHz) Hz")
        }
        if dataset.componentOrder.count != componentOrder.count
            || (Set(dataset.componentOrder) == Set(componentOrder) && dataset.componentOrder != componentOrder)
        {
            return ("component order", "\(dataset.componentOrder)", "\(componentOrder)")
        }
        if sameClasses, dataset.classNames != classNames { return ("class names", "\(dataset.classNames)", "\(classNames)") }
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
}
