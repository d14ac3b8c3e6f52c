// Monitor units: taken from the record's SAC header, the user or the card — never guessed.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

private func temporaryFolder(_ name: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}

struct AccelerationUnitTests {
    /// `synth` records name their station in KSTNM (not the first 8 characters of the file name)
    /// and state their units: IDEP = IACC, KUSER0 = gal.
    @Test func syntheticRecordsStateStationAndUnits() throws {
        let folder = try temporaryFolder("synth-header")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SyntheticCorpus.writeQSIS(folder: folder, kind: .earthquake, count: 2, durationSeconds: 60, seed: 1)
        let file = try #require(QSIS.recordFiles(in: folder).first)
        let (_, traces, paths) = try ThreeComponentRecord.read(file)
        #expect(paths.allSatisfy { ($0 as NSString).lastPathComponent.hasPrefix("ST00.earthquake.") })
        #expect(traces.map(\.header.station) == ["ST00", "ST00", "ST00"])
        #expect(traces.map(\.header.dependentVariable) == [.acceleration, .acceleration, .acceleration])
        #expect(try AccelerationUnit.stated(by: traces, path: file) == .gal)
    }

    @Test func recordHeadersThatAreNotAccelerationOrDisagreeAreRefused() throws {
        var a = SACTrace(samples: [0, 1], delta: 0.01)
        var b = a
        #expect(try AccelerationUnit.stated(by: [a, b], path: "r.sac") == nil)  // says nothing
        a.header.setDependentVariable(.velocity)
        #expect(throws: AccelerationUnitError.notAcceleration(path: "r.sac", idep: "IVEL")) { try AccelerationUnit.stated(by: [a], path: "r.sac") }
        a.header.setDependentVariable(.acceleration)
        a.header.setUnitWord("m/s^2")
        #expect(try AccelerationUnit.stated(by: [a], path: "r.sac") == .mps2)
        b.header.setUnitWord("gal")
        #expect(throws: AccelerationUnitError.componentsDisagree(path: "r.sac", units: ["m/s2", "gal"])) {
            try AccelerationUnit.stated(by: [a, b], path: "r.sac")
        }
        a.header.setUnitWord("furlongs")
        #expect(throws: AccelerationUnitError.unknownUnitWord(path: "r.sac", word: "furlongs")) { try AccelerationUnit.stated(by: [a], path: "r.sac") }
    }

    @Test func resolutionTakesTheRecordOrTheUserAndRefusesToGuess() throws {
        let card = ModelCard.earthquakePretraining()
        // A replayed record: its header's units, the user's agreeing or filling in, never a guess.
        let folder = try temporaryFolder("replay-resolve")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SyntheticCorpus.writeQSIS(folder: folder, kind: .earthquake, count: 1, stations: 1, durationSeconds: 60, seed: 8)
        let gal = QSIS.recordFiles(in: folder)[0]
        func replayed(_ path: String, _ units: UnitOptions) throws -> StreamSources.ReplayedRecord {
            try StreamSources.replayedRecord(path, componentOrder: card.componentOrder, windowSeconds: 2, instrument: nil, units: units)
        }
        let fromHeader = try replayed(gal, UnitOptions())
        #expect(fromHeader.units.factors == [0.01, 0.01, 0.01] && fromHeader.units.description.contains("SAC header"))
        #expect(try replayed(gal, UnitOptions(units: .gal)).units.factors == [0.01, 0.01, 0.01])
        #expect(throws: RecordUnitError.contradicts(path: gal, stated: .gal, given: .g)) { try replayed(gal, UnitOptions(units: .g)) }
        for file in try FileManager.default.contentsOfDirectory(atPath: folder + "/ST00") {
            var t = try SACTrace(contentsOf: folder + "/ST00/" + file)
            t.header.setUnitWord(nil)
            try t.write(to: folder + "/ST00/" + file)
        }
        #expect(try replayed(gal, UnitOptions(units: .g)).units.factors == [9.81, 9.81, 9.81])
        do {
            _ = try replayed(gal, UnitOptions())
            Issue.record("a record without units was given some")
        } catch {
            #expect("\(error)".contains(gal) && "\(error)".contains("--units gal"))
        }
        // A model in counts would take the record as read, but PGA and triggers need gal: the refusal says why.
        #expect(throws: AccelerationUnitError.missingForPGA(source: gal)) {
            try StreamSources.replayedRecord(
                gal, componentOrder: card.componentOrder, windowSeconds: 2, instrument: nil, units: UnitOptions(), modelUnits: .counts)
        }
        #expect("\(AccelerationUnitError.missingForPGA(source: gal))".contains("The model takes counts as read, but the monitor's PGA and triggers are in gal"))
        // stdin has no metadata: the user's units, else the card's (EarthquakeCNN cards say m/s^2).
        #expect(try AccelerationUnit.resolve(given: .gal, source: .stdin, card: card)?.units == .gal)
        #expect(card.units == .metersPerSecondSquared)
        #expect(try AccelerationUnit.resolve(given: nil, source: .stdin, card: card)?.units == .mps2)
        // A card whose units are not an acceleration unit (counts) cannot exist: it is refused when
        // decoded (ModelCardValidationTests.unitsAndMethodsTheCodeCannotRunAreRefusedOnLoad).
        #expect(try AccelerationUnit.resolve(given: nil, source: .udp, card: card) == nil)
        #expect(throws: AccelerationUnitError.notForUDP(given: "gal")) { try AccelerationUnit.resolve(given: .gal, source: .udp, card: card) }
    }

    /// The issue's case: a gal record replayed with the default `g` reported PGA ×981. With units
    /// from the record, the monitor's PGA is the record's peak composite acceleration in gal
    /// (lower only by the window's detrend, taper and 0.5 Hz high-pass).
    @Test func replayedGalRecordReportsItsOwnPGA() throws {
        let folder = try temporaryFolder("replay-units")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rng = SeededGenerator(seed: 7)
        // A quiet background: no step or spike whose filtering would move the peak (a units test).
        let record = SyntheticRecord.generate(
            event: true, durationSeconds: 60, magnitude: 4.5, distanceRangeKm: 10...20, quietBackground: true, using: &rng)
        try record.writeSAC(folder: folder, name: "ST01.event", station: "ST01")
        let queue = PacketQueue()
        let card = ModelCard.earthquakePretraining()
        let replayed = try StreamSources.replayedRecord(
            folder + "/ST01.event.HLZ.sac", componentOrder: card.componentOrder, windowSeconds: 2, instrument: nil, units: UnitOptions())
        #expect(replayed.units.factors == [0.01, 0.01, 0.01])  // gal, as its header says
        StreamSources.replay(replayed.spans, speed: 0, into: queue)
        let runner = MonitorRunner(model: ConvNet(card.architecture, seed: 0), card: card, samplingRateHz: replayed.spans[0].samplingRateHz, scale: 1)
        var lines: [MonitorLine] = []
        while true {
            let (p, finished) = queue.pop(timeout: 5)
            if finished { break }
            if let p { lines += try runner.handle(p) }
        }
        let peakGal = try #require(record.waveform.compositeAmplitude.max()) * 100
        let reported = try #require(lines.map(\.pgaGal).max())
        #expect(reported <= peakGal * 1.05 && reported >= peakGal * 0.5, "reported \(reported) gal, record peak \(peakGal) gal")
    }
}
