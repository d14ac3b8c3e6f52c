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
            abstract: "Classify new records: sliding windows, class probabilities over time, picks per phase, a summary per record.",
            discussion: """
                RECORDS are miniSEED files, SAC files (any component of a triple; its siblings are found \
                by name), folders (SAC files grouped by the SEED id their headers or NET.STA.LOC.CHA \
                names give, a channel's consecutive files joined), or prepared datasets (.h5, from seismic \
                prep: their windows are numbered, without time). A miniSEED file gives one record per instrument \
                (NET.STA.LOC + band and instrument code, its channels mapped to the model's components: \
                Z vertical, N/1/Y north-like, E/2/X east-like) and per span where every component has \
                data: a gap splits the record, data covered twice (an overlap) keeps the earlier samples (both said on stderr), nothing is filled in; SAC files \
                likewise. A miniSEED record that does not parse or decode is skipped, its samples a gap, \
                and the bytes skipped are reported as a failure (exit status 1); a file holding one \
                channel (an SDS day file NET.STA.LOC.CHA.D.YEAR.DAY) is read with its sibling channels. \
                The checkpoint's card supplies the window (2 s), the sampling rate it \
                resamples to, and the preprocessing (detrend, taper, high-pass, normalise → int16 → \
                normalise). A run of 1 s or more in which every component holds one value (a gap filled \
                with zeros) splits the record as a gap does: each part is filtered on its own. Windows \
                without signal (reaching into such a run, flat in the record as read, or peak |x| ≤ \
                1e-8 after detrend, taper and high-pass) are not classified, as training drops them: they are counted \
                and listed (no_signal rows in csv, silent_windows in json); a record with \
                nothing else fails. A record that \
                cannot be read is reported with its reason and the rest go on; the exit status is 1 when \
                any failed.

                Times: a window's probabilities are given at its centre (first sample + half the \
                window), in UTC ISO 8601, everywhere (table, csv, json, picks, annotations, plots), as \
                SeisBench places a window classifier's output. Picks, as SeisBench's \
                picks_from_annotations: on each class's probability trace (every class but Noise), a \
                trigger starts above the class's threshold (--thresholds, default 0.7 as SeisBench's \
                GPD) and ends below half of it; the pick is the window centre of highest probability \
                (resolution: the stride). A record with a pick is an EVENT. A record naming no station (SEED id \
                from the header or a NET.STA.LOC.CHA file name) gets picks with an empty trace_id, left \
                out of QuakeML, and no annotations; one without a reference time counts from 1970 (a note \
                says so for both). --picks writes SeisBench's \
                pick columns (trace_id NET.STA.LOC, start_time, peak_time, end_time, peak_value, \
                phase) and instrument (NET.STA.LOC + band and instrument code, e.g. CI.PASC..HN: it tells \
                a station's HH and HN picks apart) as CSV; --quakeml writes them as QuakeML 1.2 (one event per record with \
                picks, evaluation mode automatic), which ObsPy's read_events reads; --annotations \
                writes the probability traces as miniSEED, one file per record, one channel per \
                class (band code of the trace's rate, X, the class initial: MXP, MXS, MXN at a 0.5 s \
                stride), as SeisBench's annotate; give a folder outside the input folders. A prepared \
                dataset's windows have no time: they give no picks, only a count of windows above a \
                threshold.

                Units: the model's card says what units it takes (the reference's: m/s²). A SAC record \
                stating acceleration units (IDEP = IACC, gal, m/s2 or g in KUSER0) is converted from \
                them. Records that state nothing (miniSEED always; SAC mostly) are converted by what \
                you give: --inventory station.xml (each channel's InstrumentSensitivity at the \
                record's start: counts ÷ Value in its InputUnits, as ObsPy's remove_sensitivity), \
                --units gal|m/s2|g with --sensitivity COUNTS (counts per that unit), or --units \
                alone (samples already in that unit); with none they are taken as read and the output \
                says "units not stated". A model that takes counts (earthquake-real) takes every \
                record as read and says when these options do not apply. Windows are normalised \
                before the model, so units change \
                which windows count as carrying no signal, not the probabilities of the others. The \
                table and json give each record's units and where they came from.

                Memory: windows are cut and classified 16,384 at a time, the record chain (detrend, \
                taper, high-pass) running on the stretch of the record they cover; each window adds \
                about 120 bytes of bookkeeping and result (21 MB for a day at 0.5 s). A record's \
                samples are not held: SAC files (named as a record with its siblings, or found in a \
                folder) are read as the windows need them, and miniSEED files and SDS day files are indexed \
                record by record and decoded as the windows need them, so memory grows only by the \
                windows' 120 bytes (measured at 0.5 s, a day at 100 Hz: 0.20 GB from SAC or from \
                miniSEED; 0.23 GB for three SDS days; 0.35 GB for 10^8 SAC samples a component). A \
                miniSEED file whose records of a channel are out of time order or overlap, or that \
                holds a record that does not decode, is decoded \
                into memory first, 8 bytes a sample a channel; in an SDS span one such day file \
                makes every day file of the span decode so. \
                A record that would not fit in the memory available (the machine's, the cgroup's or \
                ulimit -v) is refused before it is classified.

                --sds ROOT reads an SDS archive (ROOT/YEAR/NET/STA/CHA.D/NET.STA.LOC.CHA.D.YEAR.DAY, as \
                SeisComP and ObsPy's SDS client keep it): for each of --stations, the day files of \
                every channel (or those --channels names, e.g. HH?) from --start to --end, cut to the \
                span, a channel continuing across midnight joined; then as any miniSEED record, named \
                "ROOT NET.STA": each record's windows start at its first sample (the first at or after \
                --start where every component has data, and again after a gap) and follow every --stride, \
                so runs whose --start differ by other than a multiple of --stride give window times, and \
                picks, up to a stride apart, and a phase above its threshold for less than a stride may be \
                picked in one run and not in the other (a finer --stride, e.g. 0.1, makes picks steadier). Day files that must be decoded whole (records out of order) and may \
                not fit in memory are refused before they are read; a day file that cannot be read is reported and the others are used. A folder of day files given as RECORDS \
                is read one day at a time.

                Examples:
                  seismic classify --model runs/qsis/best.safetensors data_new/ --format csv > predictions.csv
                  seismic classify --model best.safetensors --stride 0.1 --picks picks.csv --quakeml picks.xml CI.PASC..HHZ.D.2019.187
                  seismic classify --model best.safetensors --inventory CI.xml --picks picks.csv CI.PASC..HNZ.D.2019.187
                  seismic classify --model best.safetensors --sds /archive --stations CI.PASC,CI.USC --start 2019-07-06T03:00 --end 2019-07-06T04:00 --picks picks.csv
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

        @Option(help: "Checkpoint (.safetensors) of a time-series model, or a built-in model's name (seismic models).") var model: String
        @Argument(help: "miniSEED or SAC files, folders of them, or prepared datasets (.h5).") var records: [String] = []
        @Option(help: "Read from this SDS archive (ROOT/YEAR/NET/STA/CHA.D/NET.STA.LOC.CHA.D.YEAR.DAY); needs --stations, --start, --end.")
        var sds: String?
        @Option(help: "Stations to read from --sds: NET.STA or NET.STA.LOC, comma-separated.") var stations: String?
        @Option(
            help:
                "Instruments to classify, comma-separated channel patterns with ? and * (e.g. HN? for the accelerometer; default: every instrument); with --sds, the channel folders read."
        )
        var channels: String?
        @Option(help: "Start of the span read from --sds, UTC (2019-07-06T03:19:00 or 2019-07-06).") var start: String?
        @Option(help: "End of the span read from --sds, UTC; samples at --start and at --end are both kept.") var end: String?
        @Option(
            parsing: .unconditional,
            help:
                "Seconds between window starts, the picks' time resolution; 0.1, as docs/MODELS.md's pick figures were measured, picks better at 5× the windows."
        )
        var stride: Double = 0.5
        @Option(help: "Output format: table (summary and picks per record), csv or json (every window).") var format: Format = .table
        @Option(help: "Units of records whose header does not state them: gal, m/s2 or g (with --sensitivity: the unit it converts counts to).")
        var units: String?
        @Option(parsing: .unconditional, help: "Counts per --units unit, for records in counts (as StationXML's InstrumentSensitivity Value).")
        var sensitivity: Double?
        @Option(help: "StationXML inventory: each channel's InstrumentSensitivity converts records in counts (miniSEED, SAC not stating units).")
        var inventory: String?
        @Option(
            parsing: .unconditional, help: "Multiply samples of records whose units nobody states by this first (0.01 turns gal into m/s²); prefer --units.")
        var scale: Double = 1
        @Option(help: "Write one SVG per record (record above, probabilities beneath) into this folder.") var plot: String?
        @Option(
            parsing: .unconditional, help: "Pick thresholds per class, e.g. P=0.6,S=0.5 (by phase or class name, each once; others 0.7; Noise is never picked)."
        )
        var thresholds: String?
        @Option(help: "Write the picks as CSV (SeisBench's columns and instrument, UTC times) to this file.") var picks: String?
        @Option(help: "Write the picks as QuakeML 1.2 to this file.") var quakeml: String?
        @Option(help: "Write each record's probability traces as miniSEED into this folder.") var annotations: String?

        func validate() throws {
            try checkOption("stride", stride, .above(0))
            try checkOption("scale", scale, .not(0))
            _ = try unitOptions(inventory: nil)
            _ = try sdsInputs()
            _ = try channelPatterns()
            guard !records.isEmpty || sds != nil else { throw ValidationError("name at least one record file or folder, or an archive with --sds") }
        }

        func run() throws {
            Seismic.prepareEngine()
            var classifier: Classifier
            do {
                classifier = try Classifier.load(checkpoint: model, strideSeconds: stride)
            } catch let error as Classifier.InputError {
                if case .strideTooLong = error { throw ValidationError(error.description) }  // a usage error: exit status 64
                throw error
            }
            classifier.channels = ChannelPatterns(try channelPatterns())
            let card = classifier.card
            let pickThresholds: PickThresholds
            do { pickThresholds = try thresholds.map { try PickThresholds(parsing: $0, classNames: card.classNames) } ?? PickThresholds() } catch {
                throw ValidationError("--thresholds: \(error)")
            }
            try refuseOverwriting(inputs: records + [model], with: picks, quakeml)
            try checkOutputFile(picks, option: "--picks")
            try checkOutputFile(quakeml, option: "--quakeml")
            try refuseWritingOverData(picks, writing: "the picks")
            try refuseWritingOverData(quakeml, writing: "the picks")
            if let picks, let quakeml, OutputPaths.sameFile(picks, quakeml) {
                throw ValidationError("--picks and --quakeml name the same file, \(picks); give each its own")
            }
            try checkOutputFolder(annotations, option: "--annotations", inputs: records)
            try checkOutputFolder(plot, option: "--plot")
            let unitChoice = try unitOptions(inventory: try inventory.map { path throws in try Inventory.read(path) })
            let scan = try Classifier.inputs(expanding: records, sds: try sdsInputs())
            for (path, reason) in scan.skipped { writeStandardError("skipped \(path): \(reason)\n") }
            if units != nil || sensitivity != nil || inventory != nil || channels != nil || scale != 1,
                let dataset = scan.inputs.first(where: { if case .dataset = $0 { return true } else { return false } })
            {
                writeStandardError(
                    "note: \(dataset.path): --units, --sensitivity, --inventory, --scale and --channels do not apply to prepared datasets (their windows are already cut and in the dataset's units)\n"
                )
            }
            for (path, reason) in scan.failures { printFailure(path, reason) }
            var failures = scan.failures.count, damagedFiles = 0
            // The JSON document is written as it goes, a record at a time (a long record's windows
            // in pieces): memory never holds the whole text.
            var jsonRecords = 0
            if format == .json {
                print(RecordClassification.jsonDocumentHead(model: model, classNames: card.classNames, thresholds: pickThresholds), terminator: "")
            }
            var plotNames = Set<String>(), annotationNames = Set<String>()
            var allPicks: [[Pick]] = []
            if format == .csv { print(CSVTable.record(RecordClassification.csvHeader(classNames: card.classNames))) }
            let (outcomes, _) = classifier.classify(inputs: scan.inputs, units: unitChoice) { path, outcome in
                do {
                    let input = try outcome.get()
                    for gap in input.gaps { writeStandardError("note: \(path): \(gap); \(gap.outcome)\n") }
                    let r = input.classification
                    for note in notes(r) { writeStandardError("note: \(path): \(note)\n") }
                    try emit(r, thresholds: pickThresholds)
                    if format == .json {
                        r.writeJSONRecord(jsonRecords, thresholds: pickThresholds) { print($0, terminator: "") }
                        jsonRecords += 1
                    }
                    // The picks are kept before the files of the record are written: a plot or
                    // annotation that cannot be written fails the record, not its picks.
                    let found = r.picks(thresholds: pickThresholds)
                    if !found.isEmpty { allPicks.append(found) }
                    if let plot, let w = input.waveform { try writePlot(r, waveform: w, folder: plot, taken: &plotNames) }
                    if let annotations { try writeAnnotations(r, folder: annotations, taken: &annotationNames) }
                } catch {
                    // Corrupt bytes skipped are not a record: counted apart.
                    if error is CorruptRecordsSkipped { damagedFiles += 1 } else { failures += 1 }
                    printFailure(path, "\(error)")
                }
            }
            if format == .json {
                print(RecordClassification.jsonDocumentTail(records: jsonRecords))
            }
            if let picks {
                try AtomicFile.write(
                    ([Pick.csvHeader] + allPicks.joined().sorted().map(\.csvRow)).map(CSVTable.record).joined(separator: "\n") + "\n", to: picks)
            }
            if let quakeml { try AtomicFile.write(try QuakeML.document(events: allPicks), to: quakeml) }
            let records = outcomes - damagedFiles
            if picks != nil || quakeml != nil {
                writeStandardError("\(allPicks.joined().count) picks, in \(allPicks.count) of the \(records) records\n")
            }
            if damagedFiles > 0 {
                writeStandardError("corrupt miniSEED records skipped in \(damagedFiles) file\(damagedFiles == 1 ? "" : "s"): their samples are missing\n")
            }
            if failures > 0 { writeStandardError("\(failures) of \(records + scan.failures.count) records failed\n") }
            if failures > 0 || damagedFiles > 0 { throw ExitCode(1) }
        }

        /// What --units, --sensitivity, --inventory (read as `inventory`) and --scale say about
        /// records that do not state their units; one way at a time.
        func unitOptions(inventory read: Inventory?) throws -> UnitOptions {
            var unit: AccelerationUnit? = nil
            if let units {
                guard let u = AccelerationUnit(name: units) else {
                    throw ValidationError(
                        units.lowercased() == "counts"
                            ? "--units counts: for records in counts give --sensitivity COUNTS with --units of the unit it converts to (e.g. --units m/s2 --sensitivity 4.3e5), or --inventory station.xml"
                            : "--units \(units) is not an acceleration unit: give gal, m/s2 or g")
                }
                unit = u
            }
            if let sensitivity {
                guard sensitivity.isFinite, sensitivity > 0 else {
                    throw ValidationError("--sensitivity must be a positive number of counts per unit (got \(sensitivity))")
                }
                guard unit != nil else { throw ValidationError("--sensitivity needs --units: the unit it converts counts to (e.g. --units m/s2)") }
            }
            if inventory != nil, units != nil || sensitivity != nil || scale != 1 {
                throw ValidationError("--inventory gives each channel's sensitivity and unit: drop --units, --sensitivity and --scale")
            }
            if scale != 1, units != nil { throw ValidationError("--scale and --units both convert records: give one (--units names the unit)") }
            return UnitOptions(units: unit, sensitivity: sensitivity, inventory: read, scale: scale)
        }

        /// The station spans --sds, --stations, --start and --end ask for; none without --sds.
        func sdsInputs() throws -> [RecordInput] {
            guard let sds else {
                guard stations == nil, start == nil, end == nil else { throw ValidationError("--stations, --start and --end go with --sds ROOT") }
                return []
            }
            guard InputPaths.isFolder(sds) else { throw ValidationError("--sds \(sds) is not a folder") }
            guard let stations, let start, let end else { throw ValidationError("--sds needs --stations NET.STA[,…], --start and --end") }
            guard let from = UTCTime.parse(start) else { throw ValidationError("--start \(start) is not a UTC time like 2019-07-06T03:19:00 or 2019-07-06") }
            guard let to = UTCTime.parse(end) else { throw ValidationError("--end \(end) is not a UTC time like 2019-07-06T03:19:00 or 2019-07-06") }
            guard to > from else { throw ValidationError("--end \(end) is not after --start \(start)") }
            let patterns = try channelPatterns()
            var seen = Set<StationSelector>()
            return try stations.split(separator: ",", omittingEmptySubsequences: false).compactMap { text in
                guard let station = StationSelector(text.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--stations: \"\(text)\" is not NET.STA or NET.STA.LOC")
                }
                guard seen.insert(station).inserted else { return nil }  // named twice: read once
                return RecordInput.sds(root: sds, station: station, channels: patterns, start: from, end: to)
            }
        }

        /// The --channels patterns (empty without the option).
        func channelPatterns() throws -> [String] {
            try (channels?.split(separator: ",", omittingEmptySubsequences: false) ?? []).map { text in
                let p = text.trimmingCharacters(in: .whitespaces).uppercased()
                guard !p.isEmpty, p.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "?" || $0 == "*") }) else {
                    throw ValidationError("--channels: \"\(text)\" is not a channel code pattern such as HH? or HN*")
                }
                return p
            }
        }

        /// What a user must know about a record's times and names before trusting its picks.
        func notes(_ r: RecordClassification) -> [String] {
            guard let effective = r.strideSeconds else { return [] }
            var notes: [String] = []
            if abs(effective - stride) > 1e-9 * stride {
                notes.append("--stride \(stride) s is not a whole number of samples at the record's rate: windows every \(String(format: "%g", effective)) s")
            }
            if r.startTime == 0 { notes.append("the record has no reference time: its times count from 1970-01-01T00:00:00Z (as ObsPy)") }
            if r.traceID.isEmpty {
                notes.append(
                    "no station code (SEED id from the header or a NET.STA.LOC.CHA file name): picks have an empty trace_id, are left out of --quakeml, and no --annotations are written"
                )
            }
            return notes
        }

        func emit(_ r: RecordClassification, thresholds: PickThresholds) throws {
            switch format {
            case .csv:
                r.forEachCSVRow { print(CSVTable.record($0)) }
            case .json: break
            case .table:
                for line in r.tableLines(thresholds: thresholds) { print(line) }
            }
        }

        /// One SVG per record (`RecordClassification.plot`), named after the record and its UTC
        /// start so records with the same file name never overwrite each other's plot; a name still
        /// taken in this run gets a counter.
        func writePlot(_ r: RecordClassification, waveform w: Waveform, folder: String, taken: inout Set<String>) throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let unique = uniqueName(r.plotName(startTime: w.startTime), taken: &taken)
            try AtomicFile.write(r.plot(waveform: w).svg(), to: "\(folder)/\(unique).svg")
        }

        /// `name`, or with a counter ("-2", "-3"…) when this run has taken it; now taken.
        func uniqueName(_ name: String, taken: inout Set<String>) -> String {
            var unique = name, k = 2
            while taken.contains(unique) { unique = "\(name)-\(k)"; k += 1 }
            taken.insert(unique)
            return unique
        }

        /// The record's probability traces as one miniSEED file (float32), named after its
        /// instrument and UTC start; a record naming no instrument is noted and skipped.
        func writeAnnotations(_ r: RecordClassification, folder: String, taken: inout Set<String>) throws {
            guard let segments = r.annotationSegments() else { return }  // no station: said by `notes`
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let unique = uniqueName(OutputPaths.fileName(r.instrumentID + "_" + UTCTime.compact(r.startTime)), taken: &taken)
            try MiniSEED.write(segments, to: "\(folder)/\(unique).mseed", encoding: .float32)
        }
    }
}
