// PickThresholds: the probability each class must exceed to be picked, as SeisBench's
// `P_threshold` / `S_threshold` arguments.

import Foundation

/// The probability above which a class is picked (trigger on; the trigger ends below half of it,
/// as SeisBench's `picks_from_annotations`). Every class but the background (Noise) is picked.
public struct PickThresholds: Sendable, Equatable {
    /// The default for every class: 0.7, SeisBench's default for GPD (a window classifier like
    /// EarthquakeCNN).
    public static let defaultThreshold: Float = 0.7
    /// Thresholds given for some classes, by class name; the others take `defaultThreshold`.
    public var byClass: [String: Float]

    public init(byClass: [String: Float] = [:]) { self.byClass = byClass }

    public func threshold(forClass name: String) -> Float { byClass[name] ?? Self.defaultThreshold }

    /// The phase a class picks: "P" for "P-wave", "S" for "S-wave" (the class name without a
    /// "-wave" ending), else the class name.
    public static func phase(ofClass name: String) -> String {
        name.hasSuffix("-wave") ? String(name.dropLast(5)) : name
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// From "P=0.6,S=0.5" (or class names, "P-wave=0.6"): each key a class of `classNames` or its
    /// phase, each value in (0, 1).
    /// - Throws: `ParseError` naming the bad entry and the classes there are.
    public init(parsing text: String, classNames: [String]) throws(ParseError) {
        var byClass: [String: Float] = [:]
        let named = classNames.map { "\(Self.phase(ofClass: $0)) (\($0))" }.joined(separator: ", ")
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let value = Float(parts[1]), value > 0, value < 1 else {
                throw ParseError(description: "threshold \"\(entry)\" is not CLASS=VALUE with VALUE in (0, 1), e.g. P=0.6,S=0.5")
            }
            guard let name = classNames.first(where: { $0 == parts[0] || Self.phase(ofClass: $0) == parts[0] }) else {
                throw ParseError(description: "threshold for \"\(parts[0])\": the model has no such class (its classes: \(named))")
            }
            byClass[name] = value
        }
        self.init(byClass: byClass)
    }
}
