// seismic prep: turn raw records into prepared window datasets.

import ArgumentParser
import Foundation
import SeismicNN
import SeismicTorch

extension Seismic {
    struct Prep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prepare window datasets from raw records (SAC or miniSEED folders, STEAD, SeisBench datasets).",
            subcommands: [QSISEvents.self, QSISNoise.self, Folders.self, Spectrograms.self, Stead.self, SeisBenchDataset.self])
    }
}

extension ArrivalMethod: ExpressibleByArgument {}

/// Options shared by the QSIS preparations.
struct QSISOptions: ParsableArguments {
    @Option(help: "Folder of SAC records (one file per component, any channel code: …HLX…, …HHZ…) or miniSEED files, searched recursively.")
    var folder: String
    @Option(name: [.short, .customLong("output")], help: "Dataset file to write (.h5).") var output: String
    @Option(parsing: .unconditional, help: "Random seed (window shifts, augmentation, noise windows).") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Minimum samples per component (the reference: 40,000).") var minSamples: Int = 40_000
    @Option(help: "Units of records whose header does not state them (miniSEED never does): gal (the reference's QSIS records), m/s2, g or counts.")
    var units: String?

    func validate() throws {
        try checkOption("min-samples", minSamples, .atLeast(1))
        _ = try parseUnits(units)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("--folder \(folder) is not a folder")
        }
        try refuseWritingOverData(output, writing: "the dataset", datasets: false)
    }

    /// Settings from these options (units parsed by `parseUnits`), adjusted by `configure`, run over the folder with progress,
    /// then the dataset written and summarised.
    func prepare(event: Bool, context: JobContext, configure: (inout QSISSettings) -> Void) throws {
        let t0 = Date()
        var settings = QSISSettings()
        settings.minimumSamples = minSamples
        settings.seed = seed
        settings.unitsWhenUnstated = try parseUnits(units)
        configure(&settings)
        let progress = Progress("records:", unit: "records")
        let collective = context.collective
        var (share, summary) = QSIS.prepare(folder: folder, event: event, settings: settings, collective: collective) {
            progress.update($0, of: $1)
        }
        // Under mpirun rank 0 goes on with every rank's windows; the others are done.
        guard let data = try PreparedDataset.gatherShares(share, summary: &summary, at: output, collective: collective) else { return }
        guard summary.recordsRead > 0 else {
            throw UserFacingError("no records (SAC files named …HLX…, …HHZ…, one per component, or miniSEED files) found under \(folder)")
        }
        try finishQSIS(data, summary, output: output, started: t0, skippedOnRankZeroOnly: collective != nil)
    }
}

/// The units a --units option names (nil when not given).
/// - Throws: `ValidationError` for a word that is none of counts, m/s2 (m/s^2), gal, g.
func parseUnits(_ text: String?) throws -> SampleUnit? {
    guard let text else { return nil }
    guard let unit = SampleUnit(name: text) else { throw ValidationError("--units \(text) is not a unit: give gal, m/s2, g or counts") }
    return unit
}

/// Prints the summary table of a QSIS preparation and writes the dataset. Under mpirun the skip
/// counts are rank 0's alone (`skippedOnRankZeroOnly`: the table says so).
func finishQSIS(_ data: PreparedDataset, _ summary: PreparationSummary, output: String, started: Date, skippedOnRankZeroOnly: Bool = false) throws {
    // A preparation that produced nothing usable writes nothing and says which rules dropped what.
    guard data.count > 0 else {
        let reasons = summary.skipped.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }
        try? reportFailures(summary.failures)
        throw UserFacingError(
            "\(output): no windows from \(summary.recordsRead) records (nothing written)"
                + (reasons.isEmpty ? "" : "; skipped: " + reasons.joined(separator: ", ")))
    }
    try data.save(to: output)
    var rows: [(String, String)] = [("records read", "\(summary.recordsRead)")]
    for (name, n) in zip(data.metadata.classNames, summary.windowsPerClass) where n > 0 { rows.append(("\(name) windows", "\(n)")) }
    let skipLabel = skippedOnRankZeroOnly ? "skipped (rank 0)" : "skipped"
    for (reason, n) in summary.skipped.sorted(by: { $0.key < $1.key }) { rows.append((skipLabel, "\(n) × \(reason)")) }
    rows.append(("time", String(format: "%.1f s", Date().timeIntervalSince(started))))
    printSummary("wrote \(output): \(data.count) windows", rows)
    try reportFailures(summary.failures)
}

/// "error: FILE: reason" on stderr (the file named once, also when the reason already names it).
func printFailure(_ path: String, _ reason: String) {
    writeStandardError("error: \(reason.contains(path) ? reason : "\(path): \(reason)")\n")
}

/// Each record that could not be read, on stderr with its reason; exit status 1 when there was any
/// (the dataset is still written from the others).
func reportFailures(_ failures: [(path: String, reason: String)]) throws {
    guard !failures.isEmpty else { return }
    for (path, reason) in failures { printFailure(path, reason) }
    writeStandardError("\(failures.count) records could not be read\n")
    throw ExitCode(1)
}

extension Seismic.Prep {
    struct QSISEvents: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "qsis-events",
            abstract: "Prepare P and S windows from QSIS event records (SAC triples).",
            discussion: """
                Records: SAC files found by content under --folder, a record being the files whose names \
                differ only in the channel code's orientation letter (any band and instrument: HLX/HLY/HLZ, \
                HHE/HHN/HHZ, BH1/BH2/BHZ…); miniSEED files, a record per instrument and span where every \
                component has data (an SDS day file read with its sibling channels; channels mapped to \
                X, Y, Z as classify does), in --units as miniSEED states none — for event windows they \
                are skipped and counted, as they carry no event or picks (qsis-noise, folders and \
                spectrograms take them); other files are counted as skipped by what they are.

                Units: a record stating its units (SAC IDEP = IACC, unit word gal, m/s2 or g in KUSER0, \
                as seismic synth writes) is converted to m/s²; one stating none takes --units (the \
                reference's QSIS records are in gal: --units gal), or is skipped — units are never \
                guessed. With --units counts the dataset is in counts and has no PGA filter.

                Per record, as the reference: keep triples of ≥ 40,000 equal samples \
                whose peak composite acceleration reaches --min-pga gal; detrend, taper 0.05, high-pass \
                0.5 Hz; find P and S (--arrivals); cut 200 samples around the composite peak within 12 s \
                after each arrival (P stops 1 s before S), shift by up to ±80 samples, resample to 80 \
                (40 Hz), scale_amplitude (rate 0.3). Labels: P-wave 0, S-wave 1.

                --arrivals model: first P and S of ak135 from the header's event and station coordinates \
                (WGS84 distance, EVDP) after the origin time O (records without O are skipped, counted); \
                reference: the reference's TauP choice with its constant-velocity fallback and +12 s on S, \
                after the reference time (the reference's records have their origin there, B = −trigger); \
                header: picks A (or T0) and T1.

                Example: seismic prep qsis-events --folder data_QSIS_Event --units gal -o data/qsis_events.h5
                """)

        @OptionGroup var common: QSISOptions
        @Option(help: "How to find P and S: model, reference or header.") var arrivals: ArrivalMethod = .model
        @Option(parsing: .unconditional, help: "Minimum peak composite acceleration in gal.") var minPga: Double = 2.0

        func validate() throws {
            try checkOption("min-pga", minPga, .atLeast(0))
        }

        func run() throws {
            try common.prepare(event: true, context: Seismic.context) { settings in
                settings.arrivals = arrivals
                settings.minimumPGAGal = minPga
            }
        }
    }

    struct QSISNoise: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "qsis-noise",
            abstract: "Prepare Noise windows from QSIS noise records (STA/LTA-centred).",
            discussion: """
                Same chain as qsis-events; the window is centred on the largest classic STA/LTA ratio \
                (STA 1 s, LTA 5 s, on the composite acceleration) above 3.01, else on a random sample, \
                shifted as for events but kept inside the record; --windows-per-record adds random windows.

                Example: seismic prep qsis-noise --folder data_QSIS_Noise -o data/qsis_noise.h5
                """)

        @OptionGroup var common: QSISOptions
        @Option(parsing: .unconditional, help: "Windows per record (the first STA/LTA-centred, the rest random).") var windowsPerRecord: Int = 1

        func validate() throws {
            try checkOption("windows-per-record", windowsPerRecord, .atLeast(1), .atMost(10_000))
        }

        func run() throws {
            try common.prepare(event: false, context: Seismic.context) { $0.windowsPerNoiseRecord = windowsPerRecord }
        }
    }

    struct Folders: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prepare windows from labelled folders of SAC or miniSEED records, any class set.",
            discussion: """
                Each --class NAME=FOLDER gives one class (in the order given: label 0, 1, …). Every record \
                gets the reference chain and a window centred on its largest STA/LTA ratio (the event \
                trigger), plus --windows-per-record − 1 random ones.

                Example: seismic prep folders --class earthquake=eq --class active-source=shots \
                --class noise=quiet -o data/three_class.h5
                """)

        @Option(name: .customLong("class"), help: "NAME=FOLDER, repeated once per class.") var classes: [String]
        @Option(name: [.short, .customLong("output")], help: "Dataset file to write (.h5).") var output: String
        @Option(parsing: .unconditional, help: "Random seed.") var seed: UInt64 = 0
        @Option(parsing: .unconditional, help: "Minimum samples per component.") var minSamples: Int = 40_000
        @Option(parsing: .unconditional, help: "Windows per record.") var windowsPerRecord: Int = 1
        @Option(help: "Units of records whose header does not state them (miniSEED never does): gal, m/s2, g or counts.") var units: String?

        func parsed() throws -> [(name: String, folder: String)] {
            try classes.map { spec in
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ValidationError("--class takes NAME=FOLDER, got '\(spec)'")
                }
                return (parts[0], parts[1])
            }
        }

        func validate() throws {
            try checkOption("min-samples", minSamples, .atLeast(1))
            try checkOption("windows-per-record", windowsPerRecord, .atLeast(1), .atMost(10_000))
            _ = try parseUnits(units)
            let c = try parsed()
            guard c.count >= 2 else { throw ValidationError("give at least two --class NAME=FOLDER options") }
            guard Set(c.map(\.name)).count == c.count else { throw ValidationError("class names must differ") }
            for (_, folder) in c where !FileManager.default.fileExists(atPath: folder) {
                throw ValidationError("\(folder) does not exist")
            }
            try refuseWritingOverData(output, writing: "the dataset", datasets: false)
        }

        func run() throws {
            let t0 = Date()
            var settings = QSISSettings()
            settings.seed = seed
            settings.minimumSamples = minSamples
            settings.windowsPerNoiseRecord = windowsPerRecord
            settings.unitsWhenUnstated = try parseUnits(units)
            let (data, summary) = QSIS.labelledFolders(try parsed(), settings: settings)
            try finishQSIS(data, summary, output: output, started: t0)
        }
    }

    struct Spectrograms: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prepare [3, 100, 150] spectrogram images (Event / Noise) for SpectrogramCNN.",
            discussion: """
                Per record: the reference chain, then per component a spectrogram (nperseg 256, \
                noverlap 128), 10·log10, scaled from its own min/max to 0…255 with low frequencies at \
                the bottom, resized bilinearly to 100 × 150; channels Z, X, Y.

                Example: seismic prep spectrograms --events data_QSIS_Event --noise data_QSIS_Noise -o data/spec.h5
                """)

        @Option(help: "Folder of event records (label Event).") var events: String
        @Option(help: "Folder of noise records (label Noise).") var noise: String
        @Option(name: [.short, .customLong("output")], help: "Dataset file to write (.h5).") var output: String
        @Option(parsing: .unconditional, help: "Minimum samples per component.") var minSamples: Int = 40_000
        @Option(help: "Units of records whose header does not state them (miniSEED never does): gal, m/s2, g or counts.") var units: String?

        func validate() throws {
            try checkOption("min-samples", minSamples, .atLeast(1))
            _ = try parseUnits(units)
            try refuseWritingOverData(output, writing: "the dataset", datasets: false)
        }

        func run() throws {
            let t0 = Date()
            var settings = QSISSettings()
            settings.minimumSamples = minSamples
            settings.unitsWhenUnstated = try parseUnits(units)
            let (data, summary) = QSIS.spectrogramDataset(events: events, noise: noise, settings: settings)
            try finishQSIS(data, summary, output: output, started: t0)
        }
    }

    struct Stead: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prepare P / S / Noise windows from STEAD (merged.hdf5 + merged.csv), split by time.",
            discussion: """
                As the reference's data_reader: cleans the catalogue (P ≥ 200 samples, distance < 100 km, \
                median SNR > 40 dB, S − P > 20 samples, pick weights > 0.75), splits earthquakes 80/20 by \
                start time with noise before/after the split time sampled to the same count, prepares each \
                trace (detrend, taper, 0.5 Hz high-pass), cuts a P and an S window per earthquake and two \
                noise windows per noise trace, and resamples 100 → 40 Hz. Writes train.h5 and test.h5.

                Instrument responses are not removed (the reference used an online service; this tool \
                works offline): windows stay in counts (--response-free, the default).

                Example: seismic prep stead --hdf5 STEAD/merged.hdf5 --csv STEAD/merged.csv --out data/stead
                """)

        @Option(help: "STEAD waveforms (merged.hdf5).") var hdf5: String
        @Option(help: "STEAD catalogue (merged.csv).") var csv: String
        @Option(help: "Output folder for train.h5 and test.h5.") var out: String
        @Option(parsing: .unconditional, help: "Random seed (noise sampling, window shifts).") var seed: UInt64 = 0
        @Option(parsing: .unconditional, help: "Fraction of earthquakes (earliest first) used for training.") var trainFraction: Double = 0.8
        @Flag(inversion: .prefixedNo, help: "Keep counts; do not attempt instrument-response removal (the only offline option).")
        var responseFree = true

        func validate() throws {
            try checkOption("train-fraction", trainFraction, .atLeast(0), .atMost(1))
            guard responseFree else {
                throw ValidationError("--no-response-free: instrument-response removal needs an online service; only --response-free is available")
            }
            for f in [hdf5, csv] where !FileManager.default.fileExists(atPath: f) {
                throw ValidationError("\(f) does not exist")
            }
            try refuseOverwriting(inputs: [hdf5, csv], with: out + "/train.h5", out + "/test.h5")
        }

        func run() throws {
            let t0 = Date()
            let catalogue = try STEAD.catalogue(csv: csv)
            let counts = STEAD.CatalogueCounts(catalogue)
            print(counts)
            var bars: [String: Progress] = [:]
            let parts = try STEAD.prepareSplit(
                catalogue, hdf5: hdf5, folder: out, trainFraction: trainFraction, seed: seed, collective: Seismic.context.collective
            ) { name, done, total in
                if bars[name] == nil { bars[name] = Progress("\(name):", unit: "traces") }
                bars[name]?.update(done, of: total)
            }
            guard Seismic.context.isLeader else { return }
            var rows: [(String, String)] = []
            for p in parts {
                let w = p.summary.windowsPerClass
                rows.append(("\(p.name).h5", "\(p.windows) windows: P \(w[0]), S \(w[1]), noise \(w[2]) from \(p.summary.tracesRead) traces"))
                for (reason, n) in p.summary.skipped.sorted(by: { $0.key < $1.key }) { rows.append(("  skipped", "\(n) × \(reason)")) }
            }
            rows.append(("dropped by cleaning", "\(counts.rows - counts.usable) catalogue rows, \(counts.earthquakes - counts.cleanEarthquakes) earthquakes"))
            for (reason, n) in STEAD.cleaningCounts(catalogue).sorted(by: { $0.key < $1.key }) { rows.append(("  cleaning", "\(n) × \(reason)")) }
            rows.append(("time", String(format: "%.1f s", Date().timeIntervalSince(t0))))
            printSummary("wrote \(out)", rows)
        }
    }
}
