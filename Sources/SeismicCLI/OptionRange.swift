// OptionRange: range and finiteness checks of numeric command-line options, for `validate()`.

import ArgumentParser

/// One bound of an option's allowed range.
enum Bound {
    case above(Double), atLeast(Double), below(Double), atMost(Double), not(Double)

    func admits(_ v: Double) -> Bool {
        switch self {
        case .above(let b): return v > b
        case .atLeast(let b): return v >= b
        case .below(let b): return v < b
        case .atMost(let b): return v <= b
        case .not(let b): return v != b
        }
    }

    var text: String {
        switch self {
        case .above(let b): return "> \(Self.format(b))"
        case .atLeast(let b): return ">= \(Self.format(b))"
        case .below(let b): return "< \(Self.format(b))"
        case .atMost(let b): return "<= \(Self.format(b))"
        case .not(let b): return "other than \(Self.format(b))"
        }
    }

    private static func format(_ b: Double) -> String {
        b == b.rounded() && abs(b) < 1e15 ? String(Int64(b)) : "\(b)"
    }
}

/// Checks a floating-point option: it must be finite and inside every bound, e.g.
/// `try checkOption("lr", lr, .above(0))` → `--lr must be a finite number > 0 (got inf)`.
/// Called from `validate()`, so the error is printed with the usage and exit status 64 before
/// any work starts. An optional option is checked only when it is given.
func checkOption(_ name: String, _ value: Double?, _ bounds: Bound...) throws {
    guard let value else { return }
    guard value.isFinite, bounds.allSatisfy({ $0.admits(value) }) else {
        throw ValidationError("--\(name) must be a finite number\(describe(bounds)) (got \(value))")
    }
}

/// Checks an integer option against every bound: `--batch-size must be an integer >= 1 (got 0)`.
func checkOption(_ name: String, _ value: Int, _ bounds: Bound...) throws {
    guard bounds.allSatisfy({ $0.admits(Double(value)) }) else {
        throw ValidationError("--\(name) must be an integer\(describe(bounds)) (got \(value))")
    }
}

private func describe(_ bounds: [Bound]) -> String {
    bounds.isEmpty ? "" : " " + bounds.map(\.text).joined(separator: " and ")
}
