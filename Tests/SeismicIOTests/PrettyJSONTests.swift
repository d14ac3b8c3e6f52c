// PrettyJSON and the number and time formatting long outputs use: the same text as Foundation's
// JSONSerialization and printf, on random values.

import Foundation
import SeismicIO
import TestSupport
import Testing

@Suite struct PrettyJSONTests {
    /// A random JSON value `depth` levels deep at most: strings with quotes, slashes, control
    /// characters and non-ASCII, numbers integral and not, tiny and huge, empty containers.
    private func randomValue(_ depth: Int, _ rng: inout TestRNG) -> Any {
        let pick = Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &rng)
        switch pick {
        case 0:
            let alphabet: [Character] = ["a", "Z", "/", "\"", "\\", "\n", "\t", "\r", "\u{1}", "\u{1F}", "\u{8}", "\u{C}", "é", "∆", " ", ":"]
            return String((0..<Int.random(in: 0..<8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
        case 1: return Bool.random(using: &rng)
        case 2: return Int.random(in: -1_000_000...1_000_000, using: &rng)
        case 3:
            let scale = [1e-300, 1e-7, 1e-5, 1, 1e3, 1e15, 1e16, 1e20, 1e300].randomElement(using: &rng)!
            return Double.random(in: -1...1, using: &rng) * scale
        case 4: return [0.0, -0.0, 1.0, 2.5e15, 123456789012.0, 0.7, Double(Float(0.7))].randomElement(using: &rng)!
        case 5: return NSNull()
        case 6, 7:
            return Dictionary(
                uniqueKeysWithValues: (0..<Int.random(in: 0..<4, using: &rng)).map { k in
                    ("k\(Int.random(in: 0..<50, using: &rng))_\(k)", randomValue(depth - 1, &rng))
                })
        default: return (0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomValue(depth - 1, &rng) }
        }
    }

    @Test func textIsJSONSerializationsLayout() throws {
        var rng = TestRNG(seed: 71)
        for n in 0..<500 {
            let value: Any = n % 2 == 0 ? ["root": randomValue(4, &rng)] : (0..<2).map { _ in randomValue(4, &rng) }
            let reference = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            #expect(PrettyJSON.text(value) == String(decoding: reference, as: UTF8.self), "case \(n)")
        }
    }

    /// `zeroPadded` is printf's "%0*d"; `UTCTime.iso8601` is the formatter's text for times from
    /// before 1000 to after 9999, negative and positive.
    @Test func zeroPaddedNumbersAndTimesAreThePrintfOnes() {
        var rng = TestRNG(seed: 72)
        for _ in 0..<2_000 {
            let n = Int.random(in: -123_456...123_456, using: &rng) / [1, 10, 1_000, 100_000].randomElement(using: &rng)!
            let width = Int.random(in: 1...7, using: &rng)
            #expect(UTCTime.zeroPadded(n, width) == String(format: "%0*d", width, n), "\(n) width \(width)")
        }
        for _ in 0..<2_000 {
            let seconds = Double.random(in: -1e11...1e12, using: &rng)
            let micro = Int64((seconds * 1e6).rounded())
            let whole = micro >= 0 ? micro / 1_000_000 : -((-micro + 999_999) / 1_000_000)
            var t = time_t(whole)
            var parts = tm()
            gmtime_r(&t, &parts)
            let reference =
                String(
                    format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
                    Int(parts.tm_min), Int(parts.tm_sec)) + "." + String(format: "%06lld", micro - whole * 1_000_000)
            #expect(UTCTime.iso8601(seconds) == reference + "Z")
            #expect(UTCTime.iso8601(seconds, fractionDigits: 3) == String(reference.dropLast(3)) + "Z")
        }
    }
}
