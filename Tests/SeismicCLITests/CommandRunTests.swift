// Commands run end to end: monitor on a replayed synthetic record (units from its header, a
// trigger program given as an argument vector, programs that do not read their input) and
// classify's CSV and JSON output. Serialized: classify's test captures standard output.

import ArgumentParser
import Foundation
import SeismicCLI
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

@Suite(.serialized) struct CommandRunTests {
    /// A trigger program's arguments arrive exactly as given (a space and a semicolon inside one),
    /// with the event as JSON on its stdin.
    @Test func onTriggerArgumentsArriveAsGivenWithoutAShell() throws {
        let folder = try scratchFolder("monitor-cli")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let card = ModelCard.earthquakePretraining()
        try Checkpoint.save(model: ConvNet(card.architecture, seed: 0), card: card, to: folder + "/m.safetensors")
        var rng = SeededGenerator(seed: 3)
        let record = SyntheticRecord.generate(event: true, durationSeconds: 30, magnitude: 4.5, distanceRangeKm: 10...20, using: &rng)
        try record.writeSAC(folder: folder, name: "ST01.event", station: "ST01")
        let out = folder + "/event; x y.json"
        var command = try Seismic.parseAsRoot([
            "monitor", "--model", folder + "/m.safetensors", "--source", "replay:" + folder + "/ST01.event.HLZ.sac", "--speed", "0",
            "--pga", "0", "--noise-max", "1", "--min-gap", "1000", "--json",
            "--on-trigger", "/usr/bin/tee", "--on-trigger-arg", out
        ])
        try withStandardOutput { try command.run() }  // returns once the trigger commands it started have finished
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "tee wrote '\(text)'")
        #expect(json["trigger"] as? Bool == true)
        #expect((json["pga_gal"] as? Double ?? 0) > 0)
    }

    /// Options found not to fit once the model is read (run(), not validate()) are reported with
    /// the command's own usage, as a parse error is, not the root command's.
    @Test func aUsageErrorFoundWhileRunningShowsTheCommandsUsage() throws {
        let folder = try scratchFolder("monitor-usage")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rng = SeededGenerator(seed: 4)
        let record = SyntheticRecord.generate(event: false, durationSeconds: 10, magnitude: 0, distanceRangeKm: 10...20, using: &rng)
        try record.writeSAC(folder: folder, name: "ST01.noise", station: "ST01")
        var command = try Seismic.parseAsRoot([
            "monitor", "--model", "earthquake-real", "--source", "replay:" + folder + "/ST01.noise.HLZ.sac", "--speed", "0", "--window", "3"
        ])
        do {
            try withStandardOutput { try command.run() }
            Issue.record("a window other than the card's was taken")
        } catch let error as ValidationError {
            let text = Seismic.usageError(error, command: type(of: command))
            #expect(text.hasPrefix("Error: --window 3.0 s differs from the model card's window"))
            #expect(text.contains("\nUsage: seismic monitor [<options>] --source <source>"))
            #expect(text.hasSuffix("See 'seismic monitor --help' for more information.\n"))
        }
        #expect(Seismic.commandPath(to: type(of: try Seismic.parseAsRoot(["data", "list"]))) == ["seismic", "data", "list"])
        // Units only an option can give (a miniSEED replay for the counts model's PGA): a usage error too.
        let mseed = folder + "/XX.ST01..HN.mseed"
        try MiniSEED.write(
            ["E", "N", "Z"].map { c in
                TraceSegment(
                    id: SEEDIdentifier(network: "XX", station: "ST01", location: "", channel: "HN" + c), startTime: 1_600_000_000, samplingRateHz: 100,
                    samples: (0..<1000).map { Double(($0 * 7919) % 201 - 100) })
            }, to: mseed)
        var noUnits = try Seismic.parseAsRoot(["monitor", "--model", "earthquake-real", "--source", "replay:" + mseed, "--speed", "0"])
        #expect {
            try withStandardOutput { try noUnits.run() }
        } throws: { error in
            error is ValidationError && "\(error)".contains("the monitor's PGA and triggers are in gal")
        }
        #expect(Seismic.commandPath(to: Seismic.self) == ["seismic"])
    }

    @Test func aCommandLineInOnTriggerIsRefusedWithTheArgumentForm() throws {
        let failure = try #require(parseFailure(["monitor", "--model", "m", "--source", "stdin", "--on-trigger", "notify-send quake now"]))
        #expect(
            failure.message == "--on-trigger takes the program alone, without a shell; give each argument with --on-trigger-arg, e.g. "
                + "--on-trigger notify-send --on-trigger-arg 'quake' --on-trigger-arg 'now'")
        #expect(
            parseFailure(["monitor", "--model", "m", "--source", "stdin", "--on-trigger-arg", "x"])?.message
                == "--on-trigger-arg needs --on-trigger PROGRAM")
        #expect(parseFailure(["monitor", "--model", "m", "--source", "stdin", "--on-trigger", "notify-send", "--on-trigger-arg", "a b"]) == nil)
    }

    /// A program that exits without reading (/bin/true) must not kill the monitor with SIGPIPE:
    /// writing to a pipe nobody reads throws EPIPE instead.
    @Test func triggerProgramsThatDoNotReadTheirInputAreHarmless() throws {
        let line = MonitorLine(
            time: 1, endTime: 1.99, probabilities: [0.1, 0.1, 0.8], classNames: ["P/wave", "S-wave", "Noise"], pgaGal: 3,
            trigger: true, bridgedSamples: 0)
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        #expect(throws: (any Error).self) { try MonitorRunner.writeEvent(line, to: pipe.fileHandleForWriting) }
        for _ in 0..<20 { MonitorRunner.runTriggerCommand(["/bin/true"], event: line) }
        // Still alive; and the JSON names the class as written (no escaped slash).
        let readable = Pipe()
        try MonitorRunner.writeEvent(line, to: readable.fileHandleForWriting)
        try readable.fileHandleForWriting.close()
        let text = String(decoding: readable.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("\"label\":\"Noise\"") && text.contains("\"P/wave\"") && text.hasSuffix("}\n"))
    }

    /// Before any monitoring: a --window other than the card's, a record shorter than one window,
    /// and an --on-trigger program that cannot run are refused with what is wrong.
    @Test func monitorRefusesAWrongWindowAShortRecordAndAMissingTriggerProgram() throws {
        let folder = try scratchFolder("monitor-refuse")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let card = ModelCard.earthquakePretraining()
        let model = folder + "/m.safetensors"
        try Checkpoint.save(model: ConvNet(card.architecture, seed: 0), card: card, to: model)
        var rng = SeededGenerator(seed: 5)
        try SyntheticRecord.generate(event: false, durationSeconds: 1.5, using: &rng).writeSAC(folder: folder, name: "short", station: "ST01")
        func failure(_ extra: [String], source: String = "replay:" + folder + "/short.HLZ.sac") -> String? {
            do {
                var command = try Seismic.parseAsRoot(["monitor", "--model", model, "--source", source, "--speed", "0"] + extra)
                try withStandardOutput { try command.run() }
                return nil
            } catch {
                return Seismic.message(for: error)
            }
        }
        #expect(
            failure(["--window", "5"]) == "--window 5.0 s differs from the model card's window of 2.0 s (80 samples at 40.0 Hz): "
                + "the model classifies windows of 2.0 s only; leave out --window")
        #expect(failure([]) == folder + "/short.HLZ.sac: the record lasts 1.5 s, shorter than one 2.0 s window of the model: no window can be classified")
        #expect(failure(["--hop", "3"]) == "a hop of 3.0 s does not fit a window of 2.0 s: it must be > 0 and at most the window")
        let missing = "no-such-trigger-program-\(UUID())"
        let refusal = try #require(failure(["--on-trigger", missing]))
        #expect(refusal.hasPrefix("--on-trigger \(missing): no executable file of that name in PATH ("))
        #expect(failure(["--on-trigger", folder + "/m.safetensors"]) == "--on-trigger \(folder)/m.safetensors: is not an executable file")
        #expect(failure(["--on-trigger", folder + "/nothing"]) == "--on-trigger \(folder)/nothing: no such file")
    }

    /// A trigger program is found in PATH as execvp would find it; runs that fail to start or
    /// exit non-zero are counted and logged once each, in a readable line.
    @Test func failedTriggerRunsAreCountedAndLoggedOnce() throws {
        #expect(try TriggerCommand.resolve("true", searchPath: "/nonexistent:/bin:/usr/bin") == "/bin/true")
        #expect(throws: TriggerCommandError.notFound(program: "true", searched: ["/nonexistent"])) {
            try TriggerCommand.resolve("true", searchPath: "/nonexistent")
        }
        #expect(throws: TriggerCommandError.notExecutable(path: "/")) { try TriggerCommand.resolve("/", searchPath: nil) }
        let line = MonitorLine(
            time: 1, endTime: 1.99, probabilities: [0.1, 0.1, 0.8], classNames: ["P", "S", "Noise"], pgaGal: 3, trigger: true, bridgedSamples: 0)
        final class Lines: @unchecked Sendable { let lock = NSLock(); var all: [String] = [] }
        let logged = Lines()
        let log: @Sendable (String) -> Void = { l in
            logged.lock.lock(); logged.all.append(l); logged.lock.unlock()
        }
        let failing = try TriggerCommand(program: "false", arguments: [], searchPath: "/bin:/usr/bin", log: log)
        for _ in 0..<3 { #expect(failing.run(event: line) != nil) }
        failing.waitForRunning()
        Thread.sleep(forTimeInterval: 0.2)  // a termination handler still running would be counted twice
        #expect(failing.failures == 3)
        #expect(failing.summary == "3 --on-trigger runs failed (could not start or exited non-zero)")
        let passing = try TriggerCommand(program: "/bin/true", arguments: [], log: log)
        for _ in 0..<3 { passing.run(event: line) }
        passing.waitForRunning()
        #expect(passing.failures == 0)
        // A program that outlives the monitor (here: it waits on a child that sleeps) is killed
        // after the bounded wait, counted, and never holds the end of the session.
        let hanging = try TriggerCommand(program: "/bin/sh", arguments: ["-c", "sleep 300"], log: { _ in })
        hanging.run(event: line)
        let started = Date()
        hanging.waitForRunning(timeout: 0.5)
        #expect(Date().timeIntervalSince(started) < 60)  // bounded: 0.5 s + reaping, whatever the load
        #expect(hanging.killed == 1 && hanging.failures == 1)
        #expect(hanging.summary == "1 --on-trigger runs failed (could not start or exited non-zero), 1 of them killed at the end")
        logged.lock.lock()
        let all = logged.all
        logged.lock.unlock()
        #expect(all == Array(repeating: "monitor: --on-trigger \(failing.executable) exited with status 1", count: 3))
    }

    /// classify's CSV is RFC 4180 (a folder with a comma stays one column) and its JSON keeps
    /// slashes as they are.
    @Test func classifyWritesQuotedCSVAndUnescapedJSON() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("classify-out-\(UUID())").path
        let folder = root + "/records, 2020"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let card = ModelCard.earthquakePretraining()
        try Checkpoint.save(model: ConvNet(card.architecture, seed: 0), card: card, to: root + "/m.safetensors")
        var rng = SeededGenerator(seed: 5)
        try SyntheticRecord.generate(event: true, durationSeconds: 10, using: &rng).writeSAC(folder: folder, name: "ST02.ev", station: "ST02")
        let file = folder + "/ST02.ev.HLZ.sac"

        var csvCommand = try Seismic.parseAsRoot(["classify", "--model", root + "/m.safetensors", "--format", "csv", "--stride", "1", file])
        let csv = try capturingStandardOutput { try csvCommand.run() }
        try csv.write(toFile: root + "/out.csv", atomically: true, encoding: .utf8)
        let table = try CSVTable(contentsOf: root + "/out.csv", requiring: ["record", "time", "label"])
        #expect(table.header == ["record", "instrument", "window", "time", "p_P-wave", "p_S-wave", "p_Noise", "label"])
        #expect(table.rows.count == 9)  // 10 s, 2 s windows every 1 s
        #expect(table.rows.allSatisfy { $0[0] == file })
        // Window k is given at its centre, UTC: the record's first sample + k s + 1 s.
        let start = try SACTrace(contentsOf: file).header.startTime ?? 0
        #expect(table.rows.map { $0[2] } == (0..<9).map { "\($0)" })
        #expect(table.rows.map { $0[3] } == (0..<9).map { UTCTime.iso8601(start + Double($0) + 1) })

        var jsonCommand = try Seismic.parseAsRoot(["classify", "--model", root + "/m.safetensors", "--format", "json", file])
        let json = try capturingStandardOutput { try jsonCommand.run() }
        #expect(json.contains("\"record\" : \"\(file)\""), "\(json.prefix(400))")
        #expect(!json.contains("\\/"))
    }
}

extension CommandRunTests {
    /// Windows of a prepared dataset without signal (all zero) are listed as no_signal with empty
    /// probabilities, never given a class; the others are classified as before.
    @Test func classifyListsSilentWindowsWithoutAClass() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("classify-silent-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let card = ModelCard.earthquakePretraining()
        try Checkpoint.save(model: ConvNet(card.architecture, seed: 0), card: card, to: root + "/m.safetensors")
        var values: [Float] = []
        for w in 0..<6 { for t in 0..<240 { values.append(w % 3 == 1 ? 0 : sin(Float(t + w) * 0.3)) } }
        let meta = DatasetMetadata(classNames: card.classNames, samplingRateHz: card.samplingRateHz, windowSamples: 80, componentOrder: card.componentOrder)
        try PreparedDataset(
            values: values, itemShape: [80, 3], labels: [0, 1, 2, 0, 1, 2],
            provenance: (0..<6).map { _ in WindowProvenance(source: "x", station: "ST", startTime: 0, method: "test") },
            metadata: meta
        ).save(to: root + "/d.h5")
        var command = try Seismic.parseAsRoot(["classify", "--model", root + "/m.safetensors", "--format", "csv", root + "/d.h5"])
        let csv = try capturingStandardOutput { try command.run() }
        try csv.write(toFile: root + "/out.csv", atomically: true, encoding: .utf8)
        let table = try CSVTable(contentsOf: root + "/out.csv", requiring: ["window", "time", "label"])
        let silent = table.rows.filter { $0.last == "no_signal" }
        #expect(silent.map { $0[2] } == ["1", "4"])
        #expect(silent.allSatisfy { $0[4...6].allSatisfy(\.isEmpty) })
        #expect(table.rows.filter { $0.last != "no_signal" }.map { $0[2] } == ["0", "2", "3", "5"])
        #expect(table.rows.map { $0[2] } == ["0", "1", "2", "3", "4", "5"])  // in order
        #expect(table.rows.allSatisfy { $0[3].isEmpty })  // a dataset's windows have no time
        var jsonCommand = try Seismic.parseAsRoot(["classify", "--model", root + "/m.safetensors", "--format", "json", root + "/d.h5"])
        let json = try JSONSerialization.jsonObject(with: Data(try capturingStandardOutput { try jsonCommand.run() }.utf8)) as? [String: Any]
        let records = try #require(json?["records"] as? [[String: Any]])
        #expect(records.count == 1 && (records.first?["windows"] as? [Any])?.count == 4)
        #expect((records.first?["silent_windows"] as? [[String: Any]])?.compactMap { $0["window"] as? Int } == [1, 4])
    }
}

/// A new temporary folder `prefix-UUID` holding `m.safetensors`: an EarthquakeCNN with seed-0
/// weights and the pretraining card.
func folderWithUntrainedModel(_ prefix: String) throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID())").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    let card = ModelCard.earthquakePretraining()
    try Checkpoint.save(model: ConvNet(card.architecture, seed: 0), card: card, to: root + "/m.safetensors")
    return root
}

/// What `body` prints to standard output (through a file, so any amount fits), while no other
/// test prints there (`withStandardOutput`).
func capturingStandardOutput(_ body: () throws -> Void) throws -> String {
    try withStandardOutput { try capturing(body) }
}

private func capturing(_ body: () throws -> Void) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("stdout-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    fflush(nil)
    let saved = dup(STDOUT_FILENO)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    dup2(fd, STDOUT_FILENO)
    close(fd)
    defer { fflush(nil); dup2(saved, STDOUT_FILENO); close(saved) }
    try body()
    fflush(nil)
    return try String(contentsOfFile: path, encoding: .utf8)
}

extension CommandRunTests {
    /// One unreadable record in a folder run is reported with its file and reason; the dataset is
    /// still written from the others and the exit status is 1.
    @Test func prepFoldersReportsAnUnreadableRecordAndGoesOn() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("prep-bad-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (name, kind) in [("quake", SyntheticRecord.Kind.earthquake), ("quiet", .noise)] {
            try SyntheticCorpus.writeQSIS(folder: root + "/" + name, kind: kind, count: 2, stations: 1, durationSeconds: 60, seed: 1)
        }
        for c in ["HLX", "HLY", "HLZ"] { try Data("not SAC".utf8).write(to: URL(fileURLWithPath: root + "/quake/ST00/ST00.bad.\(c).sac")) }
        var command = try Seismic.parseAsRoot([
            "prep", "folders", "--class", "quake=" + root + "/quake", "--class", "quiet=" + root + "/quiet",
            "--min-samples", "1000", "-o", root + "/out.h5"
        ])
        #expect {
            _ = try capturingStandardOutput { try command.run() }
        } throws: { error in
            Seismic.exitCode(for: error) == ExitCode(1)
        }
        let written = try PreparedDataset.load(from: root + "/out.h5")
        #expect(written.count == 4)
    }
}

extension CommandRunTests {
    /// classify's pick outputs: refused before any work when they cannot be written (a folder, a
    /// missing folder, the same file twice, annotations inside an input folder, bad thresholds),
    /// else written: the picks CSV with SeisBench's columns, QuakeML, one annotation file; the
    /// JSON's peak values are numbers.
    @Test func classifyPickOutputs() throws {
        let root = try folderWithUntrainedModel("classify-picks")
        let folder = root + "/records"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var rng = SeededGenerator(seed: 5)
        try SyntheticRecord.generate(event: true, durationSeconds: 10, using: &rng).writeSAC(folder: folder, name: "SY.ST02..HL", station: "ST02")
        let file = folder + "/SY.ST02..HL.HLZ.sac"
        let base = ["classify", "--model", root + "/m.safetensors", file]
        // The other components are inputs found by name, not given: an output there is refused by what it holds.
        let siblings = [folder + "/SY.ST02..HL.HLX.sac", folder + "/SY.ST02..HL.HLY.sac"]
        let siblingBytes = try siblings.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        for (extra, message) in [
            (["--picks", siblings[0]], "SAC (binary) file: writing the picks there would destroy it"),
            (["--quakeml", siblings[1]], "SAC (binary) file: writing the picks there would destroy it"),
            (["--picks", root], "is a folder"), (["--picks", root + "/none/p.csv"], "does not exist"),
            (["--picks", root + "/x", "--quakeml", root + "/x"], "the same file"),
            (["--picks", root + "/new.csv", "--quakeml", root + "/./new.csv"], "the same file"),
            (["--annotations", folder + "/ann"], "inside the input folder"), (["--annotations", file], "is a file"),
            (["--thresholds", "P=0.3,P=0.4"], "given twice"), (["--thresholds", "Noise=0.3"], "background")
        ] {
            // A folder named as input makes "inside the input folder" apply.
            var command = try Seismic.parseAsRoot(base + (extra[0] == "--annotations" ? [folder] : []) + extra)
            #expect {
                _ = try capturingStandardOutput { try command.run() }
            } throws: { error in
                Seismic.exitCode(for: error) == .validationFailure && "\(Seismic.message(for: error))".contains(message)
            }
        }
        #expect(try siblings.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == siblingBytes)
        // Thresholds low enough for a random model: every window is above them.
        var command = try Seismic.parseAsRoot(
            base + [
                "--thresholds", "P=0.01,S=0.01", "--picks", root + "/p.csv", "--quakeml", root + "/p.xml", "--annotations", root + "/ann",
                "--format", "json"
            ])
        let json = try JSONSerialization.jsonObject(with: Data(try capturingStandardOutput { try command.run() }.utf8)) as? [String: Any]
        let record = try #require((json?["records"] as? [[String: Any]])?.first)
        let picks = try #require(record["picks"] as? [[String: Any]])
        #expect(picks.count == 2 && picks.allSatisfy { $0["peak_value"] is Double && $0["trace_id"] as? String == "SY.ST02." })
        let table = try CSVTable(contentsOf: root + "/p.csv", requiring: Pick.csvHeader)
        #expect(table.rows.map { $0[5] }.sorted() == ["P", "S"])
        #expect(table.rows.allSatisfy { $0[6] == "SY.ST02..HL" })  // the instrument, which tells a station's HH and HN picks apart
        #expect(try String(contentsOfFile: root + "/p.xml", encoding: .utf8).contains("stationCode=\"ST02\""))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/ann").count == 1)
        // A plot that cannot be written (a folder holds its name) fails the record, not its picks.
        var plotted = try Seismic.parseAsRoot(base + ["--plot", root + "/plotted"])
        _ = try capturingStandardOutput { try plotted.run() }
        let plotName = try #require(try FileManager.default.contentsOfDirectory(atPath: root + "/plotted").first)
        try FileManager.default.createDirectory(atPath: root + "/plots/" + plotName, withIntermediateDirectories: true)
        var plotting = try Seismic.parseAsRoot(base + ["--thresholds", "P=0.01,S=0.01", "--picks", root + "/q.csv", "--plot", root + "/plots"])
        #expect(throws: ExitCode(1)) { _ = try capturingStandardOutput { try plotting.run() } }
        #expect(try CSVTable(contentsOf: root + "/q.csv", requiring: Pick.csvHeader).rows.map { $0[5] }.sorted() == ["P", "S"])
    }
}

extension CommandRunTests {
    /// --sds needs its companions, real times in order and valid station names; the companions
    /// need --sds. Each is a usage error before any work.
    @Test func classifySDSOptionsAreChecked() throws {
        let root = try folderWithUntrainedModel("classify-sds")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let base = ["classify", "--model", root + "/m.safetensors"]
        let span = ["--start", "2019-07-06", "--end", "2019-07-06T01:00"]
        for (extra, message) in [
            (["--sds", root, "--stations", "CI.PASC"], "needs --stations"), (["--sds", root + "/none", "--stations", "CI.PASC"] + span, "not a folder"),
            (["--sds", root, "--stations", "CIPASC"] + span, "not NET.STA"), (["--stations", "CI.PASC"] + span, "go with --sds"),
            (["--sds", root, "--stations", "CI.PASC", "--start", "2019-07-06T01:00", "--end", "2019-07-06"], "not after"),
            (["--sds", root, "--stations", "CI.PASC", "--start", "july", "--end", "2019-07-06"], "not a UTC time"),
            (["--sds", root, "--stations", "CI.PASC", "--channels", "H H?"] + span, "not a channel code pattern")
        ] {
            #expect {
                var command = try Seismic.parseAsRoot(base + extra)
                _ = try capturingStandardOutput { try command.run() }
            } throws: { error in
                Seismic.exitCode(for: error) == .validationFailure && "\(Seismic.message(for: error))".contains(message)
            }
        }
        // An archive without the station: that input fails with where it looked.
        var command = try Seismic.parseAsRoot(base + ["--sds", root, "--stations", "CI.PASC"] + span)
        #expect {
            _ = try capturingStandardOutput { try command.run() }
        } throws: { Seismic.exitCode(for: $0) == ExitCode(1) }
    }
}

extension CommandRunTests {
    /// A preparation whose output is an existing SAC record is refused before any work, without
    /// scanning the input folder (`--folder /` must not read the whole machine).
    @Test func prepRefusesToWriteOverARecord() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("prep-over-\(UUID())").path
        try SyntheticCorpus.writeQSIS(folder: root, kind: .earthquake, count: 1, stations: 1, durationSeconds: 60, seed: 1)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let record = try #require(QSIS.recordFiles(in: root).first)
        let before = try Data(contentsOf: URL(fileURLWithPath: record))
        #expect {
            var command = try Seismic.parseAsRoot(["prep", "qsis-events", "--folder", "/", "-o", record])
            try withStandardOutput { try command.run() }
        } throws: { error in
            Seismic.exitCode(for: error) == .validationFailure && "\(Seismic.message(for: error))".contains("would destroy it")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: record)) == before)
    }
}
