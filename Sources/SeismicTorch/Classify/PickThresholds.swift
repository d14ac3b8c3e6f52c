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

    /// From "P=0.6,S=0.5" (or class names, "P-wave=0.6"; any letter case): each key a class of
    /// `classNames` other than the background (which is never picked) or its phase, given once,
    /// each value a decimal number in (0, 1).
    /// - Throws: `ParseError` naming the bad entry and the classes there are.
    public init(parsing text: String, classNames: [String]) throws(ParseError) {
        var byClass: [String: Float] = [:]
        let background = ModelCard.backgroundClass(of: classNames)
        let pickable = classNames.indices.filter { $0 != background }.map { classNames[$0] }
        let named = pickable.map { "\(Self.phase(ofClass: $0)) (\($0))" }.joined(separator: ", ")
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let decimal = parts.count == 2 && !parts[1].isEmpty && parts[1].allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard decimal, let value = Float(parts[1]), value > 0, value < 1 else {
                throw ParseError(description: "threshold \"\(entry)\" is not CLASS=VALUE with VALUE a decimal in (0, 1), e.g. P=0.6,S=0.5")
            }
            let key = parts[0].lowercased()
            guard let name = classNames.first(where: { $0.lowercased() == key || Self.phase(ofClass: $0).lowercased() == key }) else {
                throw ParseError(description: "threshold for \"\(parts[0])\": the model has no such class (it picks \(named))")
            }
            guard name != classNames[background] else {
                throw ParseError(description: "threshold for \"\(parts[0])\": \(name) is the background class, never picked (the model picks \(named))")
            }
            guard byClass[name] == nil else { throw ParseError(description: "threshold for \(name) given twice") }
            byClass[name] = value
        }
        self.init(byClass: byClass)
    }
}
