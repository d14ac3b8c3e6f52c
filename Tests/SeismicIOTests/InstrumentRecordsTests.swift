// Channels grouped by instrument and mapped to a model's components; spans where all have data.

import Foundation
import SeismicIO
import Testing

private let t0 = 1_600_000_000.0

private func channel(_ id: String, seconds: Double = 60, rate: Double = 100, at start: Double = t0) -> TraceSegment {
    TraceSegment(id: SEEDIdentifier(id)!, startTime: start, samplingRateHz: rate, samples: (0..<Int(seconds * rate)).map { Double($0 % 50) })
}

@Suite struct InstrumentRecordsTests {
    @Test func orientationSetsMapByTheDocumentedRule() throws {
        let enz = ["E", "N", "Z"], xyz = ["X", "Y", "Z"]
        #expect(try ComponentMapping.select(available: ["Z", "N", "E"], modelOrder: enz) == (["E", "N", "Z"], "ZNE"))
        #expect(try ComponentMapping.select(available: ["Z", "1", "2"], modelOrder: enz) == (["2", "1", "Z"], "Z12"))
        #expect(try ComponentMapping.select(available: ["Z", "2", "3"], modelOrder: enz) == (["3", "2", "Z"], "Z23"))
        #expect(try ComponentMapping.select(available: ["Z", "X", "Y"], modelOrder: enz) == (["X", "Y", "Z"], "ZXY"))
        #expect(try ComponentMapping.select(available: ["Z", "N", "E"], modelOrder: xyz) == (["E", "N", "Z"], "ZNE"))
        // ZNE first when an instrument has both sets.
        #expect(try ComponentMapping.select(available: ["Z", "N", "E", "1", "2"], modelOrder: enz).set == "ZNE")
        #expect(throws: ComponentMappingError.missingComponents(found: "Z", missing: "N", set: "ZNE")) {
            try ComponentMapping.select(available: ["Z"], modelOrder: ["N", "Z"])
        }
        #expect { try ComponentMapping.select(available: ["Z", "N"], modelOrder: enz) } throws: {
            "\($0)" == "components NZ only; the model needs three (the nearest set, ZNE, lacks E)"
        }
        #expect(throws: ComponentMappingError.unknownModelComponent("Q")) { try ComponentMapping.select(available: ["Z"], modelOrder: ["Q"]) }
    }

    /// Two instruments at one station and a third lacking a component: records for the complete
    /// ones (channels in the model's order), the other skipped with the reason.
    @Test func instrumentsAreGroupedAndIncompleteOnesSkipped() {
        let segments = ["CI.PASC.00.HHZ", "CI.PASC.00.HHN", "CI.PASC.00.HHE", "CI.PASC.10.HN1", "CI.PASC.10.HN2", "CI.PASC.10.HNZ", "AZ.BZN..BHZ"].map {
            channel($0)
        }
        let scan = InstrumentRecords.assemble(segments.shuffled(), componentOrder: ["E", "N", "Z"])
        #expect(scan.records.map(\.instrumentID) == ["CI.PASC.00.HH", "CI.PASC.10.HN"])
        #expect(scan.records[0].waveform.componentCodes == ["HHE", "HHN", "HHZ"] && scan.records[0].orientationSet == "ZNE")
        #expect(scan.records[1].waveform.componentCodes == ["HN2", "HN1", "HNZ"] && scan.records[1].orientationSet == "Z12")
        #expect(scan.records[0].waveform.sampleCount == 6000 && scan.records[0].waveform.startTime == t0)
        #expect(scan.skipped.count == 1 && scan.skipped[0].what == "AZ.BZN..BH" && scan.skipped[0].reason.contains("lacks E, N"))
    }

    /// A gap in one component splits the record; an overlap in another is cut, not doubled; the
    /// span shorter than the minimum is counted, not returned.
    @Test func gapsSplitRecordsAndOverlapsAreCut() {
        let z1 = channel("XX.S..HHZ", seconds: 20), z2 = channel("XX.S..HHZ", seconds: 38, at: t0 + 22)  // gap 20…22 s
        let n1 = channel("XX.S..HHN", seconds: 35), n2 = channel("XX.S..HHN", seconds: 30, at: t0 + 30)  // overlap 30…35 s
        let e = channel("XX.S..HHE", seconds: 60)
        let scan = InstrumentRecords.assemble([z1, z2, n1, n2, e], componentOrder: ["E", "N", "Z"], minimumSeconds: 25)
        #expect(scan.records.count == 1)
        let w = scan.records[0].waveform
        #expect(abs(w.startTime - (t0 + 22)) < 1e-9 && w.sampleCount == 3800)
        // The overlap: samples come from n1 up to 35 s, then n2 from 35 s on (its own values).
        let at35 = Int((35 - 22) * 100.0)
        #expect(w.components[1][at35 - 1] == Double((3500 - 1) % 50) && w.components[1][at35] == Double((35 - 30) * 100 % 50))
        #expect(scan.skipped.map(\.reason) == ["1 span with every component shorter than 25.0 s"])
        #expect(scan.gaps.count == 2)
    }

    /// Channels at different rates, or sampled at times more than a quarter of a sample apart,
    /// are not one record; a quarter-sample offset is.
    @Test func channelsMustBeSampledTogether() {
        let rates = InstrumentRecords.assemble(
            [channel("XX.S..HHZ"), channel("XX.S..HHN", rate: 50), channel("XX.S..HHE")], componentOrder: ["E", "N", "Z"])
        #expect(rates.records.isEmpty && rates.skipped[0].reason.hasPrefix("channels at different sampling rates"))
        let apart = InstrumentRecords.assemble(
            [channel("XX.S..HHZ"), channel("XX.S..HHN", at: t0 + 0.004), channel("XX.S..HHE")], componentOrder: ["E", "N", "Z"])
        #expect(apart.records.isEmpty && apart.skipped[0].reason.hasPrefix("channels not sampled together"))
        let near = InstrumentRecords.assemble(
            [channel("XX.S..HHZ"), channel("XX.S..HHN", at: t0 + 0.002), channel("XX.S..HHE")], componentOrder: ["E", "N", "Z"])
        #expect(near.records.count == 1 && near.records[0].waveform.sampleCount == 6000 && near.records[0].waveform.startTime == t0)
    }
}
