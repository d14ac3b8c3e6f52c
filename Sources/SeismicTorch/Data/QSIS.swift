// QSIS: the reference's preparation of MEMS accelerometer records (event and noise SAC triples).

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// How P and S onsets are found in an event record.
public enum ArrivalMethod: String, Sendable, CaseIterable, Codable {
    /// The reference: TauP's last P/Pn (S/Sn) arrival, else (distance + depth)/6 and /3.5 km/s; +12 s on S.
    case reference
    /// First P and first S of ak135 by ray tracing (default), after the origin time in header O;
    /// a record without O is skipped (its origin is unknown).
    case model
    /// Picks in the header: A (or T0) for P, T1 for S.
    case header
}

/// Settings of a QSIS preparation (the reference's values by default).
public struct QSISSettings: Sendable {
    /// What the samples of records that do not state their units (SAC IDEP = IACC with the unit
    /// word in KUSER0) are in; nil: such records are skipped, their units are never guessed. The
    /// reference's QSIS records are in gal. Records stating an acceleration unit are converted to
    /// m/s²; with `.counts` the dataset is in counts (and records stating a unit are skipped).
    public var unitsWhenUnstated: SampleUnit? = nil
    public var minimumSamples = 40_000
    public var minimumPGAGal = 2.0
    public var arrivals: ArrivalMethod = .model
    public var scaleAmplitudeRate = 0.3
    public var staSeconds = 1.0
    public var ltaSeconds = 5.0
    public var triggerRatio = 3.01
    public var windowsPerNoiseRecord = 1
    public var seed: UInt64 = 0
    /// The record steps and the window cut the windows get (the model card's preprocessing).
    public var preprocessing = Preprocessing.reference
    /// Samples per component of a prepared window (the input contract's `windowSamples`).
    public var windowSamples = 80

    public init() {}

    /// The windows' sampling rate: `windowSamples` over the window's seconds (80 / 2 s = 40 Hz).
    public var windowSamplingRateHz: Double { Double(windowSamples) / preprocessing.windowSeconds }

    /// The windows' units: counts when unstated records are counts, else m/s².
    public var datasetUnits: SampleUnit { unitsWhenUnstated == .counts ? .counts : .metersPerSecondSquared }

    var preparation: [String: String] {
        [
            "chain":
                (datasetUnits == .counts
                ? "counts as recorded, "
                : "samples converted to m/s² from the units each record states (else \(unitsWhenUnstated?.name ?? "skipped")), ")
                + preprocessing.recordStepsDescription,
            "filters": "samples ≥ \(minimumSamples), " + (datasetUnits == .counts ? "no PGA filter (counts)" : "PGA ≥ \(minimumPGAGal) gal"),
            "arrivals": arrivals.rawValue,
            "window":
                "\(preprocessing.sourceWindowSamples) samples around the composite peak after the arrival, shift ±80 (p 0.995), resampled to \(windowSamples)",
            "augmentation": "scale_amplitude rate \(scaleAmplitudeRate)"
        ]
    }

    /// The contract of windows these settings prepare, in `datasetUnits`, with their chain.
    func input(classNames: [String]) -> InputContract {
        InputContract(
            classNames: classNames, samplingRateHz: windowSamplingRateHz, windowSamples: windowSamples, componentOrder: ["X", "Y", "Z"],
            units: datasetUnits, preprocessing: preprocessing)
    }

    /// The factor taking a record's samples to `datasetUnits`: from the units its headers state,
    /// else `unitsWhenUnstated`. Fails (a skip with the reason) when neither says, when the
    /// headers state something that is not acceleration, or state a unit for a counts dataset.
    func unitFactor(_ traces: [SACTrace], path: String) -> Result<Double, QSIS.PrepSkip> {
        let stated: AccelerationUnit?
        do { stated = try AccelerationUnit.stated(by: traces, path: path) } catch { return .failure(.units("\(error)")) }
        switch (stated, unitsWhenUnstated) {
        case (let unit?, .counts): return .failure(.units("states \(unit.rawValue), but the dataset is in counts (--units counts)"))
        case (let unit?, _): return .success(unit.toMetersPerSecondSquared)
        case (nil, .counts): return .success(1)
        case (nil, .acceleration(let unit)): return .success(unit.toMetersPerSecondSquared)
        case (nil, nil): return .failure(.unitsNotStated)
        }
    }
}

/// What happened to each record, for the summary table.
public struct PreparationSummary: Sendable {
    public var recordsRead = 0
    public var windowsPerClass: [Int]
    public var skipped: [String: Int] = [:]
    /// Records that could not be read, each with its file and reason (the run goes on without them).
    public var failures: [(path: String, reason: String)] = []

    public init(classCount: Int) { windowsPerClass = Array(repeating: 0, count: classCount) }

    /// Adds what another preparation read: its records and its skip reasons.
    public mutating func addReading(_ other: PreparationSummary) {
        recordsRead += other.recordsRead
        for (reason, n) in other.skipped { skipped[reason, default: 0] += n }
        failures += other.failures
    }
}

public enum QSIS {
    public static let classNames = ["P-wave", "S-wave", "Noise"]

    /// The files holding records under `folder` (searched recursively; hidden files skipped),
    /// SAC triples first, then miniSEED files, each sorted: SAC files by content (or named .sac: a broken one is then a record the reader
    /// reports), grouped into records by name — files that differ only in the orientation letter
    /// of their channel code (any band and instrument code: HLX/HLY/HLZ, BHE/BHN/BHZ,
    /// HH1/HH2/HHZ…; `ThreeComponentRecord`) — the first of each; miniSEED files, one per set of
    /// sibling day files (`MiniSEEDRecords.siblingKey`; each holds a record per instrument and
    /// span, `readRecords`). Everything else is in `skipped` with the reason (other formats, SAC
    /// files whose name gives no channel code).
    public static func recordScan(in folder: String) -> (files: [String], skipped: [(path: String, reason: String)]) {
        guard let paths = RecordFolder.files(in: folder) else { return ([], []) }
        let letters = Set(ThreeComponentRecord.families.joined())
        var files: [String] = [], miniSEEDFiles: [String] = [], skipped: [(path: String, reason: String)] = []
        var sets = Set<String>(), miniSEEDSets = Set<String>()
        for path in paths {
            // A file named as SAC that does not read as one is a broken record: the reader says why.
            let format = FileFormat.detect(path: path)
            let namedSAC = path.lowercased().hasSuffix(".sac") && format != .notRegularFile
            switch format {
            case let format where format == .sac || namedSAC:
                var name = Array((path as NSString).lastPathComponent)
                guard let p = SEEDIdentifier.orientationPosition(inFileName: name, letters: letters) else {
                    skipped.append((path, "SAC file whose name has no channel code (…HHZ…), so its other components cannot be found"))
                    continue
                }
                name[p] = "?"
                if sets.insert(((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(String(name))).inserted { files.append(path) }
            case .miniSEED2:
                if miniSEEDSets.insert(MiniSEEDRecords.siblingKey(of: path)).inserted { miniSEEDFiles.append(path) }
            case let format:
                skipped.append((path, "not a SAC or miniSEED record: the file \(format.phrase)"))
            }
        }
        // miniSEED files after the SAC triples: a triple's place in the list, which seeds its random
        // draws, is the same whether or not miniSEED files lie beside it.
        return (files + miniSEEDFiles, skipped)
    }

    /// The record files of `recordScan(in:)`.
    public static func recordFiles(in folder: String) -> [String] { recordScan(in: folder).files }

    /// The analyst's picks in a SAC header as the reference's records carry them, in seconds from
    /// the first sample (pick − B): P in A (or T0 when A is undefined), S in T1; nil where undefined.
    public static func headerPicks(_ header: SACHeader) -> (p: Double?, s: Double?) {
        let b = Double(header.b ?? 0)
        return ((header.firstArrival ?? header.userPick(0)).map { Double($0) - b }, header.userPick(1).map { Double($0) - b })
    }

    /// P and S onsets in seconds from the first sample, from `method`: `.model` adds the travel
    /// times to the origin, header O (s after the reference time), and refuses a record without O;
    /// `.reference` takes the reference time as the origin, as the reference's QSIS records have it
    /// (B = −trigger); `.header` reads the picks.
    public static func arrivals(_ header: SACHeader, method: ArrivalMethod, travelTimes: TravelTimeCalculator)
        -> Result<(p: Double, s: Double), PrepSkip>
    {
        let b = Double(header.b ?? 0)
        switch method {
        case .header:
            let picks = headerPicks(header)
            guard let p = picks.p else { return .failure(.missingHeader("A/T0 (P pick)")) }
            guard let s = picks.s else { return .failure(.missingHeader("T1 (S pick)")) }
            return .success((p, s))
        case .model, .reference:
            guard let stla = header.stationLatitude, let stlo = header.stationLongitude,
                let evla = header.eventLatitude, let evlo = header.eventLongitude, let evdp = header.eventDepth
            else {
                return .failure(.missingHeader("STLA/STLO/EVLA/EVLO/EVDP"))
            }
            let km =
                Geodesic.distance(
                    latitude1: Double(evla), longitude1: Double(evlo),
                    latitude2: Double(stla), longitude2: Double(stlo)
                ).meters / 1000
            // SAC wants km; some writers store metres (ObsPy's II.TLY has 24400): above 800 it is metres.
            let depth = Double(evdp) > 800 ? Double(evdp) / 1000 : Double(evdp)
            if method == .model {
                // The origin is O seconds after the reference time, so O − B into the record.
                guard let o = header.origin.map(Double.init) else { return .failure(.missingHeader("O (origin time)")) }
                guard let p = travelTimes.firstArrival(distanceKm: km, depthKm: depth, s: false),
                    let s = travelTimes.firstArrival(distanceKm: km, depthKm: depth, s: true)
                else {
                    return .failure(.noArrival)
                }
                return .success((o + p - b, o + s - b))
            }
            // The reference's records: the trigger (origin) is the reference time, −B seconds into the record.
            let p = travelTimes.referencePick(distanceKm: km, depthKm: depth, s: false) ?? (km + depth) / 6
            let s = (travelTimes.referencePick(distanceKm: km, depthKm: depth, s: true) ?? (km + depth) / 3.5) + 12
            return .success((p - b, s - b))
        }
    }

    public enum PrepSkip: Error, CustomStringConvertible, Hashable {
        case unreadable(String), tooShort(Int), belowPGA, missingHeader(String), noArrival, windowOutside(String)
        /// S follows P by less than the window cutter's guard: no P peak to search for before S.
        case sTooCloseToP(guardSeconds: Double)
        /// An instrument of a miniSEED file that gives no record: a component missing, spans that
        /// do not line up (the reason).
        case instrument(String)
        /// A miniSEED record for event windows: it carries no event or picks.
        case noPicks
        /// The record states no units and none were given (`QSISSettings.unitsWhenUnstated`).
        case unitsNotStated
        /// The record's units are not acceleration, or do not fit the dataset's.
        case units(String)
        /// The record's rate is not the one the chain cuts windows at (`Preprocessing.sourceSamplingRateHz`).
        case samplingRate(Double)
        public var description: String {
            switch self {
            case .samplingRate(let r): return "sampling rate \(r) Hz, not the rate the chain cuts windows at"
            case .unreadable(let r): return "unreadable: \(r)"
            case .tooShort: return "shorter than the minimum length (--min-samples)"
            case .belowPGA: return "peak acceleration below the threshold"
            case .missingHeader(let f): return "header lacks \(f)"
            case .noArrival: return "no ray reaches the station"
            case .windowOutside(let w): return "\(w) window outside the record"
            case .sTooCloseToP(let g): return String(format: "no P window: S − P shorter than the %g s guard before S", g)
            case .unitsNotStated: return "units not stated (SAC IDEP = IACC with KUSER0 gal, m/s2 or g): give --units"
            case .units(let why): return why
            case .instrument(let why): return "instrument without a usable record: \(why)"
            case .noPicks: return "miniSEED: no event or picks (event windows need SAC headers with picks or the event)"
            }
        }
        var reason: String {
            if case .unreadable = self { return "unreadable or inconsistent triple" }
            if case .unitsNotStated = self { return "units not stated (give --units)" }
            if case .units = self { return "units that do not fit the dataset's" }
            if case .instrument = self { return "miniSEED instrument lacking a component or aligned spans" }
            return description
        }
    }

    struct RecordWindows {
        var windows: [(values: [Float], label: Int, start: Double, method: String)] = []
        var skips: [PrepSkip] = []
        var station = ""
        var read = false
    }

    /// A record as preparation reads it: its samples as read, the factor to the dataset's units
    /// (or why there is none), its station code, and the SAC header carrying its event and picks
    /// (nil for miniSEED).
    struct PrepRecord {
        var waveform: Waveform
        var factor: Result<Double, PrepSkip>
        var station: String
        var header: SACHeader?
    }

    /// The records of a file `recordScan` found: a SAC triple (its siblings found by name), or a
    /// miniSEED file's records, one per instrument and span where every component has data
    /// (`MiniSEEDRecords.read`, the channels mapped to X, Y, Z as `ComponentMapping` says; units
    /// from `--units`, as miniSEED states none). What gives no record is a skip with its reason.
    static func readRecords(_ path: String, settings: QSISSettings) -> (records: [PrepRecord], skips: [PrepSkip]) {
        if FileFormat.detect(path: path) == .miniSEED2 {
            let scan: InstrumentScan<Waveform>
            do { scan = try MiniSEEDRecords.read(path, componentOrder: ["X", "Y", "Z"], minimumSeconds: 0).scan } catch {
                return ([], [.unreadable("\(error)")])
            }
            let records = scan.records.map { record in
                // A velocity sensor's counts are no acceleration, whatever --units says.
                let factor: Result<Double, PrepSkip> =
                    settings.unitsWhenUnstated?.acceleration != nil && record.channels.contains(where: \.isVelocitySensor)
                    ? .failure(.units("\(record.instrumentID) is a velocity sensor by its SEED instrument code (H, P): not acceleration"))
                    : settings.unitFactor([], path: path)
                return PrepRecord(waveform: record.waveform, factor: factor, station: record.channels[0].station, header: nil)
            }
            return (records, scan.skipped.map { .instrument("\($0.what): \($0.reason)") })
        }
        do {
            let (w, traces, _) = try ThreeComponentRecord.read(path)
            return (
                [PrepRecord(waveform: w, factor: settings.unitFactor(traces, path: path), station: traces[0].header.station ?? "", header: traces[0].header)],
                []
            )
        } catch {
            return ([], [.unreadable("\(error)")])
        }
    }

    /// Reads, filters and prepares the records of one file (`readRecords`); `event` selects P/S
    /// windows, otherwise noise windows. Record k of the file draws from `seed` + k × a constant
    /// (a SAC triple, record 0, from `seed`).
    static func prepareFile(
        _ path: String, event: Bool, settings: QSISSettings, travelTimes: TravelTimeCalculator, seed: UInt64
    ) -> [RecordWindows] {
        let (records, skips) = readRecords(path, settings: settings)
        var out = records.enumerated().map { k, record in
            prepareRecord(record, event: event, settings: settings, travelTimes: travelTimes, seed: seed &+ UInt64(k) &* 0xD1B5_4A32_D192_ED03)
        }
        for skip in skips {
            var r = RecordWindows()
            r.skips = [skip]
            if case .unreadable = skip {} else { r.read = true }  // an instrument without a record: the file was read
            out.append(r)
        }
        return out
    }

    /// Filters and prepares one record read by `readRecords`.
    static func prepareRecord(
        _ record: PrepRecord, event: Bool, settings: QSISSettings, travelTimes: TravelTimeCalculator,
        seed: UInt64
    ) -> RecordWindows {
        var out = RecordWindows()
        out.read = true
        out.station = record.station
        if event, record.header == nil { out.skips.append(.noPicks); return out }  // before any work: no picks, no event windows
        let factor: Double
        switch record.factor {
        case .success(let f): factor = f
        case .failure(let skip): out.skips.append(skip); return out
        }
        var w = factor == 1 ? record.waveform : record.waveform.mapComponents { $0.map { $0 * factor } }
        guard w.sampleCount >= settings.minimumSamples else { out.skips.append(.tooShort(w.sampleCount)); return out }
        // The chain cuts a fixed number of samples: at another rate the window would span another time.
        guard settings.preprocessing.cutsWindows(atRateHz: w.samplingRateHz) else {
            out.skips.append(.samplingRate(w.samplingRateHz))
            return out
        }
        // PGA in physical units: a counts dataset has none, so no PGA filter.
        if event, settings.datasetUnits != .counts, (w.compositeAmplitude.max() ?? 0) * 100 < settings.minimumPGAGal {
            out.skips.append(.belowPGA)
            return out
        }
        guard let prepared = try? settings.preprocessing.prepareRecord(w) else { out.skips.append(.unreadable("filter design")); return out }
        w = prepared
        var rng = SeededGenerator(seed: seed)
        let cutter = settings.preprocessing.windowCutter(windowSamples: settings.windowSamples)
        let composite = w.compositeAmplitude
        func add(_ start: Int, _ label: Int, _ method: String) {
            var values = cutter.cut(w, start: start)
            if label != 2 { Augmentation.scaleAmplitude(&values, rate: settings.scaleAmplitudeRate, using: &rng) }
            out.windows.append((values, label, w.startTime + Double(start) / w.samplingRateHz, method))
        }
        if event {
            guard let header = record.header else { return out }  // refused above
            switch arrivals(header, method: settings.arrivals, travelTimes: travelTimes) {
            case .failure(let skip): out.skips.append(skip)
            case .success(let (p, s)):
                if let start = cutter.windowStart(in: w, composite: composite, arrival: p, nextArrival: s, using: &rng) {
                    add(start, 0, "P:\(settings.arrivals.rawValue)")
                } else if s - p <= cutter.guardSeconds {
                    out.skips.append(.sTooCloseToP(guardSeconds: cutter.guardSeconds))
                } else {
                    out.skips.append(.windowOutside("P"))
                }
                if let start = cutter.windowStart(in: w, composite: composite, arrival: s, nextArrival: nil, using: &rng) {
                    add(start, 1, "S:\(settings.arrivals.rawValue)")
                } else {
                    out.skips.append(.windowOutside("S"))
                }
            }
        } else {
            let rate = w.samplingRateHz
            let ratio = STALTA.classic(composite, shortWindow: Int(settings.staSeconds * rate), longWindow: Int(settings.ltaSeconds * rate))
            let peak = ratio.indices.max { ratio[$0] < ratio[$1] } ?? 0
            let maxStart = w.sampleCount - cutter.sourceSamples
            var centre = ratio[peak] > settings.triggerRatio ? peak : Int(rng.next() % UInt64(max(w.sampleCount, 1)))
            if Double(rng.nextUnitFloat()) < cutter.shiftProbability {
                centre += Int(rng.next() % UInt64(2 * cutter.maxShift + 1)) - cutter.maxShift
            }
            add(min(max(centre - cutter.sourceSamples / 2, 0), maxStart), 2, ratio[peak] > settings.triggerRatio ? "noise:sta-lta" : "noise:random")
            for _ in 1..<max(settings.windowsPerNoiseRecord, 1) {
                add(Int(rng.next() % UInt64(maxStart + 1)), 2, "noise:random")
            }
        }
        return out
    }

    /// Prepares every record in `folder` (event or noise records) on all cores.
    /// Under a data-parallel job (`collective`), only this rank's share of the files
    /// (`Collective.share(of:)`) is prepared; every record's random draws depend on its position in the whole folder, so the
    /// shares joined in rank order equal one process's result.
    public static func prepare(
        folder: String, event: Bool, settings: QSISSettings, collective: Collective? = nil,
        progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }
    ) -> (PreparedDataset, PreparationSummary) {
        let (all, notRecords) = recordScan(in: folder)
        let range = collective?.share(of: all.count) ?? all.indices
        let files = Array(all[range])
        let offset = range.lowerBound
        let travelTimes = TravelTimeCalculator()
        let done = ManagedAtomicCounter()
        let results = Parallel.map(files.count) { i in
            let r = prepareFile(
                files[i], event: event, settings: settings, travelTimes: travelTimes,
                seed: settings.seed &+ UInt64(offset + i) &* 0x9E37_79B9_7F4A_7C15)
            progress(done.increment(), files.count)
            return r
        }
        var values: [Float] = [], labels: [Int] = [], provenance: [WindowProvenance] = []
        var summary = PreparationSummary(classCount: classNames.count)
        if range.lowerBound == 0 { for (_, reason) in notRecords { summary.skipped[reason, default: 0] += 1 } }  // once, by the first share
        for (i, fileRecords) in results.enumerated() {
            for r in fileRecords { add(r, file: files[i]) }
        }
        func add(_ r: RecordWindows, file: String) {
            if r.read { summary.recordsRead += 1 }
            for s in r.skips {
                summary.skipped[s.reason, default: 0] += 1
                if case .unreadable(let why) = s { summary.failures.append((file, why)) }
            }
            for w in r.windows {
                values += w.values
                labels.append(w.label)
                summary.windowsPerClass[w.label] += 1
                provenance.append(WindowProvenance(source: file, station: r.station, startTime: w.start, method: w.method))
            }
        }
        var prep = settings.preparation
        prep["source"] = event ? "QSIS event records" : "QSIS noise records"
        let metadata = DatasetMetadata(input: settings.input(classNames: classNames), preparation: prep, seed: settings.seed)
        return (
            PreparedDataset(values: values, itemShape: [settings.windowSamples, 3], labels: labels, provenance: provenance, metadata: metadata), summary
        )
    }
}

/// A thread-safe counter for progress reports from parallel loops.
final class ManagedAtomicCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

extension QSIS {
    /// Spectrogram images of every record in `folder` with `label` (Event 0, Noise 1 by default):
    /// the same reading and filter chain, then `SpectrogramImage.input`.
    public static func spectrogramImages(
        folder: String, label: Int, classNames: [String] = ["Event", "Noise"],
        settings: QSISSettings
    ) -> (PreparedDataset, PreparationSummary) {
        let files = recordFiles(in: folder)
        typealias Image = (values: [Float], station: String, skip: String?, error: String?)
        let results = Parallel.map(files.count) { i -> [Image] in
            let (records, skips) = readRecords(files[i], settings: settings)
            let skipped: [Image] = skips.map { skip in
                if case .unreadable(let why) = skip { return ([], "", "unreadable or inconsistent triple", why) }
                return ([], "", skip.reason, nil)
            }
            return records.map { record -> Image in
                let w = record.waveform
                guard w.sampleCount >= max(settings.minimumSamples, 256) else { return ([], "", PrepSkip.tooShort(w.sampleCount).reason, nil) }
                // The image's frequency axis is in bins of the chain's rate (the reference's 100 Hz).
                guard settings.preprocessing.cutsWindows(atRateHz: w.samplingRateHz) else {
                    return ([], "", PrepSkip.samplingRate(w.samplingRateHz).description, nil)
                }
                let factor: Double
                switch record.factor {
                case .success(let f): factor = f
                case .failure(let skip): return ([], "", skip.reason, nil)
                }
                guard let prepared = try? settings.preprocessing.prepareRecord(w.mapComponents({ $0.map { $0 * factor } })) else {
                    return ([], "", "filter design", nil)
                }
                return (SpectrogramImage.input(prepared), record.station, nil, nil)
            } + skipped
        }
        var summary = PreparationSummary(classCount: classNames.count)
        var values: [Float] = [], provenance: [WindowProvenance] = []
        for (i, images) in results.enumerated() {
            for r in images {
                if let error = r.error { summary.failures.append((files[i], error)) }
                if let skip = r.skip { summary.skipped[skip, default: 0] += 1; if skip.hasPrefix("unreadable") { continue } }
                summary.recordsRead += 1
                guard r.skip == nil else { continue }
                values += r.values
                summary.windowsPerClass[label] += 1
                provenance.append(WindowProvenance(source: files[i], station: r.station, startTime: 0, method: "spectrogram"))
            }
        }
        var prep = settings.preparation
        prep["image"] = "spectrogram nperseg 256 noverlap 128, 10·log10, min–max to 0…255, low frequencies at the bottom, bilinear to 100×150, channels Z,X,Y"
        // The spectrogram task's contract, with these classes and the chain the records went through.
        var input = ModelCard.spectrogramEvents().input
        input.classNames = classNames
        input.samplingRateHz = settings.preprocessing.sourceSamplingRateHz
        input.preprocessing = settings.preprocessing
        input.preprocessing.amplitudeChain = .spectrogramImage
        input.units = settings.datasetUnits
        let metadata = DatasetMetadata(input: input, preparation: prep, seed: settings.seed)
        return (
            PreparedDataset(
                values: values, itemShape: [3, SpectrogramImage.height, SpectrogramImage.width],
                labels: Array(repeating: label, count: provenance.count), provenance: provenance, metadata: metadata), summary
        )
    }

    /// The spectrogram task's dataset: images of the records in `events` (Event, label 0) and
    /// `noise` (Noise, label 1), and one summary of both folders.
    public static func spectrogramDataset(events: String, noise: String, settings: QSISSettings) -> (PreparedDataset, PreparationSummary) {
        let (eventImages, eventSummary) = spectrogramImages(folder: events, label: 0, settings: settings)
        let (noiseImages, noiseSummary) = spectrogramImages(folder: noise, label: 1, settings: settings)
        var summary = eventSummary
        summary.addReading(noiseSummary)
        summary.windowsPerClass[1] = noiseSummary.windowsPerClass[1]
        return (PreparedDataset.concatenate([eventImages, noiseImages]), summary)
    }

    /// Windows from labelled folders (`classes[k]` = (name, folder)): every record's window is
    /// centred on its largest classic STA/LTA ratio (the event trigger; random when nothing
    /// triggers), labelled with its folder's class.
    public static func labelledFolders(_ classes: [(name: String, folder: String)], settings: QSISSettings)
        -> (PreparedDataset, PreparationSummary)
    {
        var parts: [PreparedDataset] = []
        var summary = PreparationSummary(classCount: classes.count)
        for (k, c) in classes.enumerated() {
            var s = settings
            s.seed = settings.seed &+ UInt64(k) &* 1_000_003
            let (data, sum) = prepare(folder: c.folder, event: false, settings: s)
            summary.addReading(sum)
            summary.windowsPerClass[k] = data.count
            parts.append(
                PreparedDataset(
                    values: data.values, itemShape: data.itemShape, labels: Array(repeating: k, count: data.count),
                    provenance: data.provenance.map {
                        var p = $0; p.method = p.method.replacingOccurrences(of: "noise:", with: "\(c.name):"); return p
                    },
                    metadata: data.metadata))
        }
        var prep = settings.preparation
        prep["source"] = "labelled folders " + classes.map { "\($0.name)=\($0.folder)" }.joined(separator: " ")
        let metadata = DatasetMetadata(input: settings.input(classNames: classes.map(\.name)), preparation: prep, seed: settings.seed)
        return (
            PreparedDataset(
                values: parts.flatMap(\.values), itemShape: [settings.windowSamples, 3], labels: parts.flatMap(\.labels),
                provenance: parts.flatMap(\.provenance), metadata: metadata), summary
        )
    }
}
