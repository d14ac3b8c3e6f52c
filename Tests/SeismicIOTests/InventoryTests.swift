// StationXML inventories: the instrument sensitivities ObsPy's read_inventory gives for an
// inventory ObsPy wrote (Tests/Fixtures/stationxml, scripts/make_stationxml_fixture.py), the epoch
// a time falls in, clean errors for what is not a usable inventory, and a fuzz run.

import Foundation
import SeismicIO
import TestSupport
import Testing

@Suite struct InventoryTests {
    private let path = Fixtures.path("stationxml/inventory.xml")

    /// Every channel epoch with a sensitivity, as ObsPy reads it: SEED id, start and end
    /// (seconds, exact: the fixture's times are whole microseconds), value, frequency, input units.
    @Test func matchesObsPy() throws {
        let inventory = try Inventory.read(path)
        let expected = try #require(try Fixtures.json("stationxml/expected.json") as? [[String: Any]])
        #expect(inventory.channels.count == expected.count)
        for (c, e) in zip(inventory.channels, expected) {
            #expect(c.id.description == e["id"] as? String)
            #expect(c.start == e["start"] as? Double)
            #expect(c.end == e["end"] as? Double)
            #expect(c.value == e["value"] as? Double)
            #expect(c.frequencyHz == e["frequency"] as? Double)
            #expect(c.inputUnits == e["input_units"] as? String)
        }
        #expect(!inventory.channels.contains { $0.id.channel == "LDO" })  // no response: left out
    }

    /// The epoch holding a time: start inclusive, end exclusive; an open epoch runs on.
    @Test func epochs() throws {
        let inventory = try Inventory.read(path)
        let hnz = SEEDIdentifier(network: "CI", station: "PASC", location: "", channel: "HNZ")
        let change = UTCTime.parse("2019-01-01")!
        #expect(inventory.sensitivity(of: hnz, at: change - 1)?.value == 213909)
        #expect(inventory.sensitivity(of: hnz, at: change)?.value == 427819)
        #expect(inventory.sensitivity(of: hnz, at: 4e9)?.value == 427819)
        #expect(inventory.sensitivity(of: hnz, at: UTCTime.parse("2009-12-31")!) == nil)
        #expect(inventory.sensitivity(of: SEEDIdentifier(network: "CI", station: "PASC", location: "00", channel: "HNZ"), at: change) == nil)
    }

    /// What is not a usable inventory is refused, naming the file and the reason.
    @Test func refusals() throws {
        func refusal(_ text: String) -> String? {
            do {
                _ = try Inventory.read(data: Data(text.utf8), path: "inv.xml")
                return nil
            } catch {
                #expect(error.description.hasPrefix("inv.xml: "))
                return error.description
            }
        }
        let head = #"<?xml version="1.0"?><FDSNStationXML xmlns="http://www.fdsn.org/xml/station/1" schemaVersion="1.1"><Network code="XX"><Station code="AB">"#
        let tail = "</Station></Network></FDSNStationXML>"
        func channel(start: String = "2020-01-01T00:00:00", value: String = "1e5") -> String {
            #"<Channel code="HNZ" locationCode="" startDate="\#(start)"><Response><InstrumentSensitivity><Value>\#(value)</Value><Frequency>1</Frequency><InputUnits><Name>M/S**2</Name></InputUnits></InstrumentSensitivity></Response></Channel>"#
        }
        #expect(refusal(head + channel() + tail) == nil)
        #expect(refusal(head + channel(start: "2020-01-01T00:00:00+00:00") + tail) == nil)
        #expect(refusal(head + channel(start: "last year") + tail)?.contains("startDate last year is not a UTC time") == true)
        // No startDate (optional in the schema; ObsPy may leave it out): valid from the beginning.
        let undated = head + channel().replacingOccurrences(of: #" startDate="2020-01-01T00:00:00""#, with: "") + tail
        #expect(refusal(undated) == nil)
        let inventory = try Inventory.read(data: Data(undated.utf8), path: "inv.xml")
        #expect(inventory.sensitivity(of: SEEDIdentifier(network: "XX", station: "AB", location: "", channel: "HNZ"), at: 0)?.value == 1e5)
        #expect(refusal(head + channel(value: "0") + tail)?.contains("not a finite, non-zero number") == true)
        #expect(refusal(head + channel(value: "lots") + tail) != nil)
        #expect(refusal(head + tail)?.contains("no channel has a Response with an InstrumentSensitivity") == true)
        #expect(refusal(String((head + channel() + tail).prefix(300))) != nil)  // cut short
        #expect(
            refusal(#"<?xml version="1.0"?><q:quakeml xmlns:q="http://quakeml.org/xmlns/quakeml/1.2"></q:quakeml>"#)?.contains("looks like QuakeML") == true)
        #expect(refusal("net,sta\nXX,AB\n")?.contains("looks like text") == true)
        #expect(refusal("")?.contains("the file is empty") == true)
        #expect(refusal(String((head + channel() + tail).prefix(300)))?.contains("not well-formed XML: the document ends early") == true)
        #expect(throws: StationXMLError.unreadable(path: "/nonexistent/inv.xml", reason: "no such file")) { try Inventory.read("/nonexistent/inv.xml") }
        let folder = Fixtures.path("stationxml")
        #expect(throws: StationXMLError.unreadable(path: folder, reason: "it is a folder, not a StationXML file")) { try Inventory.read(folder) }
    }

    /// Truncations and byte flips of the fixture either read or throw `StationXMLError`; what
    /// reads has only finite, non-zero sensitivities. Seeded.
    @Test func fuzz() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        var rng = TestRNG(seed: 15)
        var loaded = 0, refused = 0
        for n in 0..<1500 {
            var data = original
            if n % 3 == 0 {
                data = data.prefix(Int.random(in: 0..<original.count, using: &rng))
            } else {
                for _ in 0..<(1 + n % 7) { data[Int.random(in: 0..<data.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            }
            if ProcessInfo.processInfo.environment["SEISMIC_FUZZ_TRACE"] != nil {
                diagnostic("stationxml fuzz case \(n)")
                try data.write(to: URL(fileURLWithPath: "/tmp/stationxml-case.xml"))
            }
            do {
                let inventory = try Inventory.read(data: data, path: "case \(n)")
                #expect(inventory.channels.allSatisfy { $0.value.isFinite && $0.value != 0 && $0.start.isFinite }, "case \(n)")
                loaded += 1
            } catch {
                refused += 1
            }
        }
        #expect(loaded > 0 && refused > 0)
    }
}
