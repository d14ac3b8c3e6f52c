// seismic classify: class probabilities over time for new records, with the model's own preprocessing.

import ArgumentParser
import Foundation
import SeismicIO
import SeismicNN
import SeismicPlot
import SeismicSignal
import SeismicTorch

extension Seismic {
    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Classify new records: sliding windows, class probabilities over time, a summary per record.",
            discussion: """
                RECORDS are miniSEED files, SAC files (any component of a triple; its siblings are found \
                by name), folders of SAC triples, or prepared datasets (.h5, from seismic prep: window k \
                is reported at "start" k s). A miniSEED file gives one record per instrument \
                (NET.STA.LOC + band and instrument code, its channels mapped to the model's components: \
                Z vertical, N/1/Y north-like, E/2/X east-like) and per span where every component has \
                data: a gap splits the record (said on stderr), nothing is filled in; a file holding one \
                channel (an SDS day file NET.STA.LOC.CHA.D.YEAR.DAY) is read with its sibling channels. \
                The checkpoint's card supplies the window (2 s), the sampling rate it \
                resamples to, and the preprocessing (detrend, taper, high-pass, normalise → int16 → \
                normalise). Windows without signal (peak |x| ≤ 1e-8 after detrend, taper and high-pass: \
                a dead or constant channel) are not classified, as training drops them: they are counted \
                and listed (no_signal rows in csv, silent_window_starts_seconds in json); a record with \
                nothing else fails. A record that \
                cannot be read is reported with its reason and the rest go on; the exit status is 1 when \
                any failed.

                Memory: about 140 bytes per sample time of a three-component record (1.2 GB for a day \
                at 100 Hz), more at strides under 0.5 s; a record that would not fit in the memory \
                available (the machine's, the cgroup's or ulimit -v) is refused before it is read.

                Example: seismic classify --model runs/qsis/best.safetensors data_new/ --format csv > predictions.csv
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

        @Option(help: "Checkpoint (.safetensors) of a time-series model.") var model: String
        @Argument(help: "SAC files or folders.") var records: [String]
        @Option(parsing: .unconditional, help: "Seconds between window starts.") var stride: Double = 0.5
        @Option(help: "Output format: table (summary and non-noise windows), csv or json (every window).") var format: Format = .table
        @Option(
            parsing: .unconditional,
            help:
                "For records whose header does not state their units: multiply samples by this first (0.01 turns gal into m/s²). Records stating acceleration units (SAC IDEP = IACC, unit in KUSER0) are converted to the model's."
        ) var scale: Double = 1
        @Option(help: "Write one SVG per record (record above, probabilities beneath) into this folder.") var plot: String?

        func validate() throws {
            try checkOption("stride", stride, .above(0))
            try checkOption("scale", scale, .not(0))
            guard !records.isEmpty else { throw ValidationError("name at least one record file or folder") }
        }

        func run() throws {
            Seismic.prepareEngine()
            let classifier: Classifier
            do {
                classifier = try Classifier.load(checkpoint: model, strideSeconds: stride)
            } catch let error as Classifier.InputError {
                if case .strideTooLong = error { throw ValidationError(error.description) }  // a usage error: exit status 64
                throw error
            }
            let card = classifier.card
            let scan = try Classifier.inputs(expanding: records)
            for (path, reason) in scan.skipped { FileHandle.standardError.write(Data("skipped \(path): \(reason)\n".utf8)) }
            for (path, reason) in scan.failures { printFailure(path, reason) }
            var failures = scan.failures.count
            var json: [[String: Any]] = []
            var plotNames = Set<String>()
            if format == .csv { print(CSVTable.record(RecordClassification.csvHeader(classNames: card.classNames))) }
            let (outcomes, _) = classifier.classify(inputs: scan.inputs, scale: scale) { path, outcome in
                do {
                    let input = try outcome.get()
                    for gap in input.gaps { FileHandle.standardError.write(Data("note: \(path): \(gap); the record is split there\n".utf8)) }
                    try emit(input.classification)
                    if let plot, let w = input.waveform { try writePlot(input.classification, waveform: w, folder: plot, taken: &plotNames) }
                    if format == .json { json.append(input.classification.jsonObject()) }
                } catch {
                    failures += 1
                    printFailure(path, "\(error)")
                }
            }
            if format == .json { print(try RecordClassification.jsonDocument(model: model, classNames: card.classNames, records: json)) }
            if failures > 0 {
                FileHandle.standardError.write(Data("\(failures) of \(outcomes + scan.failures.count) records failed\n".utf8))
                throw ExitCode(1)
            }
        }

        func emit(_ r: RecordClassification) throws {
            switch format {
            case .csv:
                for row in r.csvRows() { print(CSVTable.record(row)) }
            case .json: break
            case .table:
                for line in r.tableLines() { print(line) }
            }
        }

        /// One SVG per record (`RecordClassification.plot`), named after the record and its UTC
        /// start so records with the same file name never overwrite each other's plot; a name still
        /// taken in this run gets a counter.
        func writePlot(_ r: RecordClassification, waveform w: Waveform, folder: String, taken: inout Set<String>) throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let name = r.plotName(startTime: w.startTime)
            var unique = name, k = 2
            while taken.contains(unique) { unique = "\(name)-\(k)"; k += 1 }
            taken.insert(unique)
            try AtomicFile.write(r.plot(waveform: w).svg(), to: "\(folder)/\(unique).svg")
        }
    }
}
