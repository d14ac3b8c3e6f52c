// Stream packets fuzzed: structure-aware mutations of valid Raspberry Shake datagrams and
// time,x,y,z lines. Every case parses to valid values or is refused as malformed, and the monitor
// fed with what parses never traps; packets with non-finite samples are flagged, skipped, counted.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import Testing

/// Field values that stress a parser: non-finite, huge, tiny, not numbers, empty, odd spellings.
private let hostileNumbers = [
    "nan", "NaN", "-nan", "inf", "-inf", "infinity", "1e308", "-1e308", "1e400", "-1e400", "4.9e-324",
    "0x1p10", "", " ", "abc", "1,5", "99999999999999999999999999", "1e", "--1", "+", ".", "1.2.3", "١٢٣"
]

private struct Mutator {
    var rng: SeededGenerator

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func pick<T>(_ options: [T]) -> T { options[int(0...(options.count - 1))] }

    /// A valid datagram: channel, time, 1…60 counts.
    mutating func validShake() -> (channel: String, time: String, samples: [String]) {
        (
            pick(["EHZ", "ENE", "ENN", "ENZ", "SHZ"]), String(format: "%.3f", 1_700_000_000 + Double(int(0...600)) * 0.25),
            (0..<int(1...60)).map { _ in String(int(-300_000...300_000)) }
        )
    }

    mutating func shakeCase() -> String {
        var (channel, time, samples) = validShake()
        var prefix = "{", suffix = "}"
        for _ in 0..<int(1...3) {
            switch int(0...11) {
            case 0 where !samples.isEmpty: samples[int(0...(samples.count - 1))] = pick(hostileNumbers)
            case 1: time = pick(hostileNumbers + ["1e300", "-1e300", "0"])
            case 2: prefix = pick(["", "[", "{{", " {"])
            case 3: suffix = pick(["", "]", "}}", "} trailing"])
            case 4: samples = Array(repeating: samples.first ?? "1", count: int(1_000...8_000))  // huge count
            case 5: samples = []
            case 6: channel = pick(["", "'", "''", "ABCDEFGHI", String(repeating: "Z", count: 5_000), "ÉNZ", "E\u{0}Z", "'EHZ", "\"ENZ\""])
            case 7: samples.append(String(repeating: "9", count: int(100...30_000)))  // very long field
            case 8 where !samples.isEmpty:
                // Finite, but inf once scaled.
                samples[int(0...(samples.count - 1))] = pick(["1e308", "-1e308", "1.7976931348623157e308"])
            case 9: time = String(format: "%.3f", 1_700_000_000 - Double(int(0...10_000)))  // late
            case 10: samples.insert(",", at: int(0...samples.count))
            default: break
            }
        }
        let text = prefix + ([channel.hasPrefix("'") || channel.hasPrefix("\"") ? channel : "'\(channel)'", time] + samples).joined(separator: ", ") + suffix
        switch int(0...9) {
        case 0: return String(text.prefix(int(0...text.count)))  // truncated anywhere
        case 1:  // random byte flips, decoded as a UDP datagram is (invalid UTF-8 replaced)
            var bytes = Array(text.utf8)
            for _ in 0..<int(1...4) where !bytes.isEmpty { bytes[int(0...(bytes.count - 1))] = UInt8(int(0...255)) }
            return String(decoding: bytes, as: UTF8.self)
        case 2: return String(decoding: [0xFF, 0xFE, 0x7B] + Array(text.utf8) + [0xC3], as: UTF8.self)  // non-UTF-8
        default: return text
        }
    }

    mutating func lineCase() -> String {
        var fields =
            [String(format: "%.4f", 1000 + Double(int(0...10_000)) / 125)] + (0..<3).map { _ in String(format: "%.6g", Double(int(-1000...1000)) * 1e-4) }
        for _ in 0..<int(1...2) {
            switch int(0...5) {
            case 0: fields[int(0...(fields.count - 1))] = pick(hostileNumbers)
            case 1: fields += Array(repeating: "1", count: int(1...5_000))
            case 2: fields = [fields[0]]
            case 3 where fields.count > 1: fields[int(1...(fields.count - 1))] = String(repeating: "7", count: int(400...50_000))
            case 4: fields[0] = pick(["1e300", "-1e300", "nan", "inf"])
            default: fields.insert("", at: int(0...fields.count))
            }
        }
        let text = fields.joined(separator: ",")
        return int(0...4) == 0 ? String(decoding: Array(text.utf8).map { int(0...20) == 0 ? UInt8(int(0...255)) : $0 }, as: UTF8.self) : text
    }
}

struct StreamPacketFuzzTests {
    let card = ModelCard.earthquakePretraining()

    @Test func mutatedShakeDatagramsParseToValidPacketsOrAreRefused() throws {
        var m = Mutator(rng: SeededGenerator(seed: 2024))
        let gain = 9.81  // large enough that 1e308 counts overflow to inf after scaling
        let runner = MonitorRunner(model: ConvNet(card.architecture, seed: 0), card: card, samplingRateHz: 125, scale: gain)
        var accepted = 0, refused = 0, flagged = 0
        for _ in 0..<2_500 {
            let text = m.shakeCase()
            guard let p = StreamParsing.shakePacket(text) else { refused += 1; continue }
            accepted += 1
            #expect(p.time.isFinite && !p.channel.isEmpty && p.channel.count <= 8 && !p.samples.isEmpty, "\(text.prefix(200))")
            #expect(!p.samples.contains { $0.isNaN && !text.lowercased().contains("nan") }, "\(text.prefix(200))")
            if !p.samples.allSatisfy({ ($0 * gain).isFinite }) { flagged += 1 }
            for line in try runner.handle(p) {
                #expect(line.pgaGal.isFinite && line.probabilities.allSatisfy(\.isFinite))
            }
        }
        #expect(runner.nonFinitePackets == flagged)
        // The mutations reach both sides and the non-finite path.
        #expect(accepted > 500 && refused > 500 && flagged > 50, "accepted \(accepted), refused \(refused), flagged \(flagged)")
    }

    @Test func mutatedLinesParseToValidValuesOrAreRefused() {
        var m = Mutator(rng: SeededGenerator(seed: 7))
        var accepted = 0, refused = 0
        for _ in 0..<3_000 {
            let text = m.lineCase()
            guard let (t, v) = StreamParsing.csvLine(text) else { refused += 1; continue }
            accepted += 1
            #expect(t.isFinite && !v.isEmpty, "\(text.prefix(200))")
        }
        #expect(accepted > 300 && refused > 300, "accepted \(accepted), refused \(refused)")
    }

    /// A NaN or inf sample in a live stream is not classified: its packet is skipped and counted,
    /// and the windows around it are bridged, never NaN.
    @Test func packetsWithNonFiniteSamplesAreSkippedAndCounted() throws {
        #expect(StreamParsing.shakePacket("{'ENZ', 10.0, 1, nan, 3}")?.hasNonFiniteSamples == true)
        #expect(StreamParsing.shakePacket("{'ENZ', 10.0, 1, 2, 3}")?.hasNonFiniteSamples == false)
        #expect(StreamParsing.shakePacket("{'ENZ', inf, 1, 2, 3}") == nil)
        #expect(StreamParsing.csvLine("10.0,1,inf,3").map { $0.values[1] } == .infinity)
        var rng = SeededGenerator(seed: 3)
        let runner = MonitorRunner(model: ConvNet(card.architecture, seed: 0), card: card, samplingRateHz: 125, scale: 1)
        var lines: [MonitorLine] = []
        var poisoned = 0
        for k in 0..<(60 * 5) {  // 60 s of 0.2 s packets per component
            for code in ["ENE", "ENN", "ENZ"] {
                var samples = (0..<25).map { _ in Double(rng.nextUnitFloat() - 0.5) * 1e-3 }
                if k % 40 == 7 && code == "ENZ" { samples[3] = k % 80 == 7 ? .nan : -.infinity; poisoned += 1 }
                lines += try runner.handle(StreamPacket(channel: code, time: 1_700_000_000 + Double(k) * 0.2, samples: samples))
            }
        }
        #expect(runner.nonFinitePackets == poisoned && poisoned == 8)
        #expect(lines.count >= 55)
        #expect(lines.allSatisfy { $0.pgaGal.isFinite && $0.probabilities.allSatisfy(\.isFinite) })
        #expect(try #require(runner.engine).statistics.bridged > 0)
    }
}
