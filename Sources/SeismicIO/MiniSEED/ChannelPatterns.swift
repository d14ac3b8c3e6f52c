// ChannelPatterns: channel codes chosen by patterns, as SeisComP's stream selectors and ObsPy's
// Stream.select(channel=…) take them.

/// Channel code patterns with "?" (one character) and "*" (any run): "HN?", "HH*", "EHZ".
/// No patterns choose every channel.
public struct ChannelPatterns: Sendable, Equatable {
    public var patterns: [String]

    public init(_ patterns: [String]) { self.patterns = patterns }

    /// Whether `channel` matches one of the patterns (every channel when there are none).
    public func matches(_ channel: String) -> Bool {
        patterns.isEmpty || patterns.contains { Self.matches(Array(channel), Array($0)) }
    }

    /// Shell-style matching of a code against a pattern of "?" and "*".
    static func matches(_ text: [Character], _ pattern: [Character]) -> Bool {
        guard let p = pattern.first else { return text.isEmpty }
        if p == "*" { return (0...text.count).contains { matches(Array(text[$0...]), Array(pattern.dropFirst())) } }
        guard let t = text.first, p == "?" || p == t else { return false }
        return matches(Array(text.dropFirst()), Array(pattern.dropFirst()))
    }
}
