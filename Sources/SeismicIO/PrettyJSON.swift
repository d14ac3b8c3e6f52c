// PrettyJSON: JSON text laid out as Foundation's JSONSerialization writes it (pretty-printed,
// sorted keys, slashes unescaped), one value at a time, so a long document can be written piece by
// piece instead of built whole.

import Foundation

/// JSON text of property-list values (`[String: Any]`, `[Any]`, `String`, `Bool`, `Int`, `Double`,
/// `Float`, `NSNull`) in the layout of `JSONSerialization.data(withJSONObject:options:
/// [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])`: two spaces per level, `"key" : value`,
/// numbers as their shortest decimal form without a trailing ".0". A writer of a long document
/// emits its parts with `text(_:level:)` at their nesting level and gets the same bytes.
public enum PrettyJSON {
    /// `value` as JSON text, laid out as if nested `level` levels deep (its first line unindented).
    /// Non-finite numbers, which JSON cannot hold, are a programming error.
    public static func text(_ value: Any, level: Int = 0) -> String {
        var out = ""
        append(value, level: level, to: &out)
        return out
    }

    /// The indentation of nesting level `level`.
    public static func indent(_ level: Int) -> String { String(repeating: "  ", count: level) }

    /// `key` as a JSON string followed by the separator: `"key" : `.
    public static func key(_ key: String) -> String { quoted(key) + " : " }

    private static func append(_ value: Any, level: Int, to out: inout String) {
        switch value {
        case let d as [String: Any]:
            out += "{\n"
            for (i, k) in d.keys.sorted(by: keyOrder).enumerated() {
                if i > 0 { out += ",\n" }
                out += indent(level + 1) + key(k)
                append(d[k]!, level: level + 1, to: &out)
            }
            out += "\n" + indent(level) + "}"
        case let a as [Any]:
            out += "[\n"
            for (i, element) in a.enumerated() {
                if i > 0 { out += ",\n" }
                out += indent(level + 1)
                append(element, level: level + 1, to: &out)
            }
            out += "\n" + indent(level) + "]"
        case let s as String: out += quoted(s)
        case let b as Bool: out += b ? "true" : "false"
        case let i as Int: out += "\(i)"
        case let x as Double: out += number(x)
        case let x as Float: out += number(Double(x))
        case is NSNull: out += "null"
        default: preconditionFailure("PrettyJSON: \(type(of: value)) is not a JSON value")
        }
    }

    /// JSONSerialization's order of sorted keys: numeric and case-insensitive ("k5" before
    /// "k21", "a" before "B"), as Foundation compares them.
    public static func keyOrder(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric, .caseInsensitive, .forcedOrdering], range: a.startIndex..<a.endIndex, locale: nil) == .orderedAscending
    }

    /// A finite number as JSONSerialization writes it: Swift's shortest form, "1" for 1.0.
    public static func number(_ x: Double) -> String {
        precondition(x.isFinite, "JSON has no \(x)")
        let s = "\(x)"
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }

    /// `s` as a JSON string: quotes, backslashes and control characters escaped.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
