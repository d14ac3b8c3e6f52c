// seismic monitor --source seedlink://…: the command against a SeedLink server on loopback —
// --list-streams, JSON lines of windows, picks and events, QuakeML per event, --on-trigger with
// the event's JSON.

import ArgumentParser
import Foundation
import SeismicCLI
import SeismicIO
import SeismicTorch
import TestSupport
import Testing

@Suite(.serialized) struct MonitorSeedLinkTests {
    /// Five real three-component records (Tests/Fixtures/real/phasenet-picks, MIT) as five
    /// stations of one network, channels named HN?, moved to one origin 0.3 s apart.
    private func segments() throws -> [TraceSegment] {
        let table = try String(contentsOfFile: Fixtures.path("real/phasenet-picks/records.csv"), encoding: .utf8)
        let rows = table.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",").map(String.init) }
        var out: [TraceSegment] = []
        for (k, row) in rows.filter({ $0[3].split(separator: "_").count == 3 }).prefix(5).enumerated() {
            let a = try NPYArray(contentsOf: Fixtures.path("real/phasenet-picks/\(row[0]).npy"))
            let name = row[0].split(separator: "_")
            for (c, code) in row[3].split(separator: "_").enumerated() {
                out.append(
                    TraceSegment(
                        id: SEEDIdentifier(
                            network: String(name[0]), station: String(name[1]), location: String(format: "%02d", k), channel: "HN" + code.suffix(1)),
                        startTime: 1_795_996_800 + 0.3 * Double(k), samplingRateHz: 100, samples: (0..<a.shape[0]).map { Double(Float(a.doubles[$0 * 3 + c])) })
                )
            }
        }
        return out
    }

    @Test func listsStreamsAndPrintsPicksEventsAndQuakeML() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-seedlink-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let segments = try segments()
        let server = try LocalSeedLinkServer(frames: try LocalSeedLinkServer.frames(of: segments, scratch: folder, encoding: .float32))
        defer { server.shutdown() }
        let stations = Array(Set(segments.map { "\($0.id.network)_\($0.id.station)" })).sorted()

        // No model needed to list; a model given is no harm.
        var list = try Seismic.parseAsRoot(["monitor", "--source", "seedlink://127.0.0.1:\(server.port)", "--list-streams"])
        let listed = try capturingStandardOutput { try list.run() }.split(separator: "\n")
        #expect(listed.count == segments.count, "\(listed)")
        #expect(listed.contains { $0.hasPrefix("\(segments[0].id.description)  D") })
        var listJSON = try Seismic.parseAsRoot([
            "monitor", "--model", "earthquake-real", "--source", "seedlink://127.0.0.1:\(server.port)?streams=\(stations[0])", "--list-streams", "--json"
        ])
        let listedJSON = try capturingStandardOutput { try listJSON.run() }.split(separator: "\n")
        // (The capture takes file descriptor 1 for the whole process: a line another test running
        // meanwhile writes (Swift Testing's progress) can land in it; the command's own lines are JSON objects.)
        let streams = try listedJSON.filter { $0.hasPrefix("{") }.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])
        }
        #expect(streams.count == segments.count && streams.contains { $0["seed_id"] == segments[0].id.description && $0["type"] == "D" })
        #expect(streams.allSatisfy { $0["begin_time"] != nil && $0["end_time"] != nil })
        // Anything but --list-streams needs a model.
        #expect {
            try Seismic.parseAsRoot(["monitor", "--source", "seedlink://127.0.0.1:1?streams=XX_A", "--units", "m/s2", "--sensitivity", "1"])
        } throws: { error in
            "\(Seismic.fullMessage(for: error))".contains("Missing expected argument '--model <model>'")
        }

        let address = "seedlink://127.0.0.1:\(server.port)?streams=" + stations.map { "\($0):HN?" }.joined(separator: ",") + "&fetch"
        var command = try Seismic.parseAsRoot([
            "monitor", "--model", "earthquake-real", "--source", address, "--units", "m/s2", "--sensitivity", "400000", "--hop", "0.5",
            "--min-stations", "3", "--coincidence", "10", "--events", folder + "/events", "--json", "--windows",
            "--on-trigger", "cp", "--on-trigger-arg", "/dev/stdin", "--on-trigger-arg", folder + "/event.json"
        ])
        let lines = try capturingStandardOutput { try command.run() }.split(separator: "\n")
        let objects = try lines.filter { $0.hasPrefix("{") }.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let kinds = objects.map { $0["type"] as? String ?? "" }
        #expect(kinds.filter { $0 == "window" }.count >= 5 * 80)
        #expect(
            kinds.contains("pick") && kinds.filter { $0 == "event" }.count == 1 && kinds.filter { $0 == "event_closed" }.count == 1,
            "\(lines.filter { !$0.contains("\"window\"") })")
        let pick = try #require(objects.first { $0["type"] as? String == "pick" })
        #expect((pick["trace_id"] as? String)?.split(separator: ".", omittingEmptySubsequences: false).count == 3)
        #expect((pick["peak_time"] as? String)?.hasSuffix("Z") == true && ["P", "S"].contains(pick["phase"] as? String ?? ""))
        let event = try #require(objects.first { $0["type"] as? String == "event" })
        let id = try #require(event["id"] as? String)
        #expect((event["stations"] as? [String])?.count ?? 0 >= 3)
        // The trigger program got the event's JSON; the closed event's picks are QuakeML.
        // (The command waits for its trigger programs at the end, so the copy is complete.)
        let sent = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/event.json"))) as? [String: Any]
        #expect(sent?["id"] as? String == id && sent?["type"] as? String == "event")
        let quakeML = try String(contentsOfFile: folder + "/events/event-\(id).xml", encoding: .utf8)
        #expect(quakeML.contains("<pick") && quakeML.contains(segments[0].id.network) && quakeML.contains("smi:local/seismictorch/event/\(id)\""))
        #expect(quakeML.contains("<creationTime>"))

        // The same stations from a stream list file (slinktool -l): the same picks.
        let listFile = folder + "/streams.txt"
        try ("# the network\n" + stations.map { $0.replacingOccurrences(of: "_", with: " ") + " HN?\n" }.joined()).write(
            toFile: listFile, atomically: true, encoding: .utf8)
        var fromList = try Seismic.parseAsRoot([
            "monitor", "--model", "earthquake-real", "--source", "seedlink://127.0.0.1:\(server.port)?fetch", "--stream-list", listFile, "--units", "m/s2",
            "--sensitivity", "400000", "--hop", "0.5", "--min-stations", "3", "--json"
        ])
        let listLines = try capturingStandardOutput { try fromList.run() }.split(separator: "\n")
        // The same picks with the same peak probabilities: the monitor classifies the windows due
        // together in one model call, which windows those are depends on when packets arrive, and
        // every layer gives a window the same bits whatever its batch (`Linear.rowIndependentLimit`).
        #expect(lines.filter { $0.contains("\"pick\"") } == listLines.filter { $0.contains("\"pick\"") })
        try "TW A001 HN\n".write(toFile: listFile, atomically: true, encoding: .utf8)
        var badList = try Seismic.parseAsRoot([
            "monitor", "--model", "earthquake-real", "--source", "seedlink://127.0.0.1:\(server.port)", "--stream-list", listFile, "--units", "m/s2",
            "--sensitivity", "400000"
        ])
        #expect {
            try withStandardOutput { try badList.run() }
        } throws: { error in
            "\(Seismic.fullMessage(for: error))".contains("streams.txt, line 1: 'HN' is not a SeedLink selector")
        }
    }

    /// Options a SeedLink session cannot work with are refused before anything starts.
    @Test(arguments: [
        (["--units", "m/s2"], "--units alone would take counts"),
        (["--units", "m/s2", "--sensitivity", "4e5", "--min-stations", "3"], "more than the 2 stations"),
        (["--units", "m/s2", "--sensitivity", "4e5", "--gain", "2"], "--gain does not apply"),
        (["--inventory", "x.xml", "--speed", "0"], "--speed does not apply")
    ])
    func refusesOptionsThatCannotWork(_ options: [String], _ message: String) {
        #expect {
            _ = try Seismic.parseAsRoot(["monitor", "--model", "earthquake-real", "--source", "seedlink://127.0.0.1:1?streams=XX_A,XX_B"] + options)
        } throws: { error in
            "\(Seismic.fullMessage(for: error))".contains(message)
        }
        #expect(throws: (any Error).self) {
            _ = try Seismic.parseAsRoot(["monitor", "--model", "earthquake-real", "--source", "seedlink://127.0.0.1:1", "--units", "m/s2", "--sensitivity", "1"]
            )
        }
    }
}
