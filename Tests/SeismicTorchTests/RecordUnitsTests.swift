// Units of records in classify: the conversion each way of stating them gives (header, inventory,
// --sensitivity, --units, --scale), the refusals, and on a real record in counts (PhaseNet fixture,
// MIT) that the conversion reaches the model's amplitude rule.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

@Suite struct RecordUnitsTests {
    private let inventory: Inventory
    private let hn: [SEEDIdentifier]
    private let in2017 = UTCTime.parse("2017-04-27T09:01:54")!
    private let in2020 = UTCTime.parse("2020-01-01")!
    private let hh = ["HHE", "HHN", "HHZ"].map { SEEDIdentifier(network: "CI", station: "PASC", location: "", channel: $0) }

    init() throws {
        inventory = try Inventory.read(Fixtures.path("stationxml/inventory.xml"))
        hn = ["HNE", "HNN", "HNZ"].map { SEEDIdentifier(network: "CI", station: "PASC", location: "", channel: $0) }
    }

    private func conversion(_ options: UnitOptions, stated: AccelerationUnit? = nil, channels: [SEEDIdentifier]? = nil, time: Double? = nil) throws
        -> UnitConversion
    {
        try options.conversion(stated: stated, channels: channels ?? hn, components: 3, time: time ?? in2017, path: "r", to: .mps2)
    }

    /// Each way gives the factor its definition says, per component, and says where it came from.
    @Test func factors() throws {
        let header = try conversion(UnitOptions(), stated: .gal)
        #expect(header.factors == [0.01, 0.01, 0.01] && header.unitsKnown && header.description.contains("SAC header"))
        #expect(try conversion(UnitOptions(units: .gal), stated: .gal).factors == [0.01, 0.01, 0.01])  // agreeing is fine
        let byInventory = try conversion(UnitOptions(inventory: inventory))
        let first: [Double] = [1 / 213909.0, 1 / 213909.0, 1 / 213909.0]
        #expect(byInventory.factors == first && byInventory.description.contains("inventory"))
        let later = try conversion(UnitOptions(inventory: inventory), time: in2020)  // the second epoch; HNE differs
        let second: [Double] = [1 / 428819.0, 1 / 427819.0, 1 / 427819.0]
        #expect(later.factors == second)
        let mems = ["HL2", "HL1", "HLZ"].map { SEEDIdentifier(network: "TW", station: "W21B", location: "00", channel: $0) }
        let memsFactors = try conversion(UnitOptions(inventory: inventory), channels: mems, time: in2020 + 86400 * 200).factors
        let memsExpected: [Double] = [1 / 1.6e5, 1 / 1.6e5, 1 / 1.7e5]
        #expect(memsFactors == memsExpected)
        let given = try conversion(UnitOptions(units: .g, sensitivity: 4e5))
        let perG: [Double] = Array(repeating: 9.81 / 4e5, count: 3)
        #expect(given.factors == perG && given.description.contains("--sensitivity"))
        #expect(try conversion(UnitOptions(units: .gal)).factors == [0.01, 0.01, 0.01])
        let unknown = try conversion(UnitOptions(scale: 2))
        #expect(unknown.factors == [2, 2, 2] && !unknown.unitsKnown && unknown.description.contains("units not stated"))
        // A model in counts: windows are normalised, nothing is converted.
        let counts = try UnitOptions(inventory: inventory).conversion(stated: .gal, channels: hn, components: 3, time: in2017, path: "r", to: nil)
        #expect(counts.factors == [1, 1, 1] && !counts.unitsKnown)
        // … and the options that would have converted are named as not applying.
        #expect(counts.description == "as read (the model takes counts, so --inventory does not apply; windows are normalised)")
        let both = try UnitOptions(units: .gal, sensitivity: 5).conversion(stated: nil, channels: hn, components: 3, time: in2017, path: "r", to: nil)
        #expect(both.description == "as read (the model takes counts, so --units, --sensitivity do not apply; windows are normalised)")
        let none = try UnitOptions(scale: 2).conversion(stated: nil, channels: hn, components: 3, time: in2017, path: "r", to: nil)
        #expect(none.description == "as read, × 2.0 (--scale) (the model takes counts; windows are normalised)")
    }

    @Test func refusals() throws {
        #expect(throws: RecordUnitError.contradicts(path: "r", stated: .gal, given: .g)) { try conversion(UnitOptions(units: .g), stated: .gal) }
        #expect(throws: RecordUnitError.scaleWithStatedUnits(path: "r", stated: .gal, scale: 0.01)) { try conversion(UnitOptions(scale: 0.01), stated: .gal) }
        #expect(throws: RecordUnitError.noResponse(path: "r", channel: "CI.PASC..HNE", time: "2009-01-01T00:00:00.000Z")) {
            try conversion(UnitOptions(inventory: inventory), time: UTCTime.parse("2009-01-01")!)
        }
        #expect(throws: RecordUnitError.notAcceleration(path: "r", channel: "CI.PASC..HHE", units: "M/S")) {
            try conversion(UnitOptions(inventory: inventory), channels: hh)
        }
        #expect(throws: RecordUnitError.noChannelIDs(path: "r")) { try conversion(UnitOptions(inventory: inventory), channels: []) }
        // Absent from the inventory (another location code) is not an epoch problem.
        let elsewhere = hn.map { SEEDIdentifier(network: "CI", station: "PASC", location: "00", channel: $0.channel) }
        #expect(throws: RecordUnitError.channelNotInInventory(path: "r", channel: "CI.PASC.00.HNE")) {
            try conversion(UnitOptions(inventory: inventory), channels: elsewhere)
        }
        // --units says acceleration: a seismometer's or geophone's counts are not.
        #expect(throws: RecordUnitError.velocitySensor(path: "r", channel: "CI.PASC..HHE")) {
            try conversion(UnitOptions(units: .mps2, sensitivity: 1e5), channels: hh)
        }
        #expect(throws: RecordUnitError.velocitySensor(path: "r", channel: "CI.PASC..HHE")) { try conversion(UnitOptions(units: .gal), channels: hh) }
    }

    /// What the conversion cannot check alone, it says: units a header states win over
    /// --sensitivity and --inventory (named as not used); several epochs holding the start, and an
    /// epoch ending within the record, are noted; samples beyond ±100 g once converted are refused.
    @Test func notesAndPlausibility() throws {
        let stated = try conversion(UnitOptions(units: .gal, sensitivity: 5, inventory: inventory), stated: .gal)
        #expect(stated.description.hasSuffix("; --inventory and --sensitivity not used: the header states the units"))
        let change = UTCTime.parse("2019-01-01")!
        let straddling = try UnitOptions(inventory: inventory).conversion(
            stated: nil, channels: hn, components: 3, time: change - 10, end: change + 10, path: "r", to: .mps2)
        #expect(straddling.description.contains("HNE's epoch ends at 2019-01-01T00:00:00.000Z, within the record"))
        var doubled = inventory
        doubled.channels.append(contentsOf: inventory.channels.filter { $0.id.channel == "HNZ" })
        #expect(try conversion(UnitOptions(inventory: doubled)).description.contains("2 epochs of HNZ hold the start; the first is used"))
        let w = Waveform(components: [[1, -2], [0, 0], [3e5, 0]], componentCodes: ["HNE", "HNN", "HNZ"], samplingRateHz: 100)
        let loud = try conversion(UnitOptions(units: .mps2, sensitivity: 100))  // 3e5 counts → 3000 m/s²
        #expect(throws: RecordUnitError.implausible(path: "r", peak: 3000, units: loud.description)) { try loud.converted(w, path: "r", model: .mps2) }
        #expect(try conversion(UnitOptions(units: .mps2, sensitivity: 1000)).converted(w, path: "r", model: .mps2).components[2][0] == 300)
        let unknown = try conversion(UnitOptions())  // units not stated: nothing to check against
        #expect(try unknown.converted(w, path: "r", model: .mps2).components == w.components)
    }

    /// A real accelerogram in counts (CI.MLAC's HN channels, renamed CI.PASC to use the fixture
    /// inventory): through the inventory it gives what `--units m/s2 --sensitivity` with the same
    /// value gives, and says so; with an absurd sensitivity (10¹⁵ counts per m/s²) every window
    /// falls under the no-signal amplitude, which the samples as read (counts) never do — the
    /// model's amplitude rule works in physical units.
    @Test func aRealRecordInCounts() throws {
        let r = try RealRecord.load("CI_MLAC_2017042709015422")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/pasc.mseed"
        let segments = r.channels.enumerated().map { c, code in
            TraceSegment(
                id: SEEDIdentifier(network: "CI", station: "PASC", location: "", channel: code), startTime: r.startTime, samplingRateHz: 100,
                samples: r.samples[c])
        }
        try MiniSEED.write(segments, to: path, encoding: .float32)
        let card = ModelCard.earthquakePretraining()
        #expect(card.units.acceleration == .mps2)
        let classifier = Classifier(model: ConvNet(card.architecture, seed: 6), card: card)
        func classify(_ units: UnitOptions) throws -> RecordClassification {
            let outcomes = try classifier.classify(miniSEEDAt: path, units: units)
            #expect(outcomes.count == 1)
            return try outcomes[0].get().classification
        }
        let byInventory = try classify(UnitOptions(inventory: inventory))
        #expect(byInventory.units.hasPrefix("counts (inventory: HNE 213909 counts per M/S**2"))
        #expect(byInventory.predictions == (try classify(UnitOptions(units: .mps2, sensitivity: 213909))).predictions)
        let asRead = try classify(UnitOptions())
        #expect(asRead.silentWindowStarts.isEmpty && asRead.units.contains("units not stated"))
        #expect {
            try classify(UnitOptions(units: .mps2, sensitivity: 1e15))
        } throws: { error in
            if case Classifier.ClassifyError.noSignal = error { return true }
            return false
        }
    }
}
