// Classifier+Inputs: the records a list of paths names (folders searched), each classified in turn
// with its own outcome, so one unreadable record never stops the others.

import Foundation
import SeismicIO

/// A record or prepared dataset classified by `Classifier.classify(inputs:units:each:)`.
public struct ClassifiedInput {
    public var classification: RecordClassification
    /// The record as read (unscaled), for plotting (`RecordClassification.plot(waveform:)`): the
    /// whole record when it was read into memory; for a record read span by span (SAC files, a
    /// miniSEED file or SDS days decoded as read), every k-th sample (k = ⌊samples / 4000⌋) at 1/k
    /// of its rate, which is what the plot draws. Nil for a prepared dataset.
    public var waveform: Waveform?
    /// Samples per component of the record classified; nil for a prepared dataset.
    public var sampleCount: Int? = nil
    /// For a miniSEED record: the instrument ("NET.STA.LOC.BI") and the gaps and overlaps of its
    /// channels (given with the instrument's first record), where the record was split.
    public var instrumentID: String? = nil
    public var gaps: [TraceGap] = []
}

/// `--channels` chose no instrument in any input.
public struct NoInstrumentChosen: Error, CustomStringConvertible {
    public var patterns: [String]
    public var description: String {
        "no instrument of the inputs has channels matching \(patterns.joined(separator: ",")) for every component the model takes "
            + "(a pattern chooses all of an instrument's components, e.g. HH?, not HHZ alone; seismic info FILE lists a file's channels)"
    }
}

/// Bytes of miniSEED files that do not parse or decode as records, skipped while the rest was
/// classified: the samples they held are missing (the records are split there).
public struct CorruptRecordsSkipped: Error, CustomStringConvertible {
    public var corrupt: [CorruptBytes]
    public var description: String {
        let shown = corrupt.prefix(5).map(\.description).joined(separator: "; ")
        let more = corrupt.count > 5 ? "; and \(corrupt.count - 5) more runs" : ""
        return "corrupt records skipped, their samples missing (the records are split there): \(shown)\(more)"
    }
}

/// An instrument in a miniSEED file that gives no record, and why.
public struct SkippedInstrument: Error, CustomStringConvertible {
    public var path: String
    public var what: String
    public var reason: String
    public var description: String { "\(path): \(what): \(reason)" }
}

extension Classifier {
    /// The inputs `paths` name, in order: a folder is replaced by what `RecordFolder.scan` finds
    /// in it (SAC files grouped by the instrument their headers name, miniSEED files, datasets;
    /// other files skipped with what they look like); a file is taken by its name (`.h5`: a
    /// dataset) or content (miniSEED), else as a SAC file whose siblings are found by name.
    /// `sds`, station spans of SDS archives (`RecordInput.sds`), follow the paths' inputs.
    /// - Throws: `Classifier.InputError.noRecords` when no input is left.
    public static func inputs(expanding paths: [String], sds: [RecordInput] = []) throws -> FolderScan {
        var scan = FolderScan()
        for p in paths {
            if InputPaths.isFolder(p) {
                scan.append(RecordFolder.scan(p))
            } else if p.hasSuffix(".h5") {
                scan.inputs.append(.dataset(path: p))
            } else {
                switch FileFormat.detect(path: p) {
                case .miniSEED2: scan.inputs.append(.miniSEED(path: p))
                case .sac, .unknown: scan.inputs.append(.sacFile(path: p))  // unknown: missing or unreadable, the SAC reader names why
                case .empty: scan.failures.append((p, "the file is empty (0 bytes)"))
                case let format: scan.failures.append((p, "not a record: the file \(format.phrase), not miniSEED 2 or SAC"))
                }
            }
        }
        scan.inputs += sds
        // A record named twice (a file and its folder, a path given twice, two components of one
        // SAC triple as `*.sac` names them) is read once: its picks would otherwise be counted
        // twice. A SAC file stands for its triple; a folder's SAC group loses the files read before.
        var seen = Set<String>()
        func isNew(_ path: String) -> Bool { seen.insert(URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path).inserted }
        scan.inputs = scan.inputs.compactMap { input in
            switch input {
            case .sds: return input  // stations named twice are merged where they are parsed
            case .sac(let paths, let instrument):
                let fresh = paths.filter(isNew)
                return fresh.isEmpty ? nil : .sac(paths: fresh, instrumentID: instrument)
            case .sacFile(let p):
                let triple = (try? ThreeComponentRecord.siblingPaths(of: p)) ?? [p]
                return triple.map(isNew).contains(true) ? input : nil
            case .miniSEED(let p), .dataset(let p): return isNew(p) ? input : nil
            }
        }
        guard !scan.inputs.isEmpty || !scan.failures.isEmpty else { throw InputError.noRecords(paths, skipped: scan.skipped.count) }
        return scan
    }

    public enum InputError: Error, CustomStringConvertible, Equatable {
        /// Nothing to classify under `paths`; `skipped` files were not records.
        case noRecords([String], skipped: Int)
        /// The checkpoint holds a model that does not take time series (SpectrogramCNN).
        case notTimeSeries(checkpoint: String, architecture: String)
        case strideTooLong(stride: Double, window: Double)
        public var description: String {
            switch self {
            case .noRecords(let paths, let skipped):
                "no records found in \(paths.joined(separator: ", ")) (miniSEED or SAC records, or prepared .h5 datasets)"
                    + (skipped > 0 ? "; \(skipped) files of other formats skipped" : "")
            case .notTimeSeries(let path, let name): "\(path) is a \(name); classify runs time-series models (EarthquakeCNN)"
            case .strideTooLong(let stride, let window):
                "--stride must be at most the model's window, \(window) s (got \(stride)); longer strides skip samples"
            }
        }
    }

    /// The classifier of the time-series model in the checkpoint at `path`.
    /// - Throws: `Checkpoint.load`'s errors; `InputError.notTimeSeries`; `InputError.strideTooLong`
    ///   when `strideSeconds` exceeds the model's window (windows would skip samples).
    public static func load(checkpoint path: String, strideSeconds: Double) throws -> Classifier {
        let (model, card) = try Checkpoint.load(from: path)
        guard card.architecture.inputShape[0] == 1 else { throw InputError.notTimeSeries(checkpoint: path, architecture: card.architecture.name) }
        guard strideSeconds <= card.windowSeconds else { throw InputError.strideTooLong(stride: strideSeconds, window: card.windowSeconds) }
        return Classifier(model: model, card: card, strideSeconds: strideSeconds, modelName: path)
    }

    /// Classifies each of `inputs` in order — a dataset (`classify(datasetAt:)`), the records of a
    /// miniSEED file (`classify(miniSEEDAt:units:)`) or of a SAC group (`classify(sacFiles:units:)`),
    /// one outcome per record and per instrument skipped, or a SAC file with its siblings
    /// (`classify(recordAt:units:)`), each record's samples brought to the model's units as
    /// `units` says — and hands each outcome to `each` as soon as it is known: a
    /// record that fails is reported with its error and the next one goes on.
    /// - Returns: how many outcomes there were and how many failed.
    /// - Throws: only what `each` throws (that stops the run).
    @discardableResult
    public func classify(
        inputs: [RecordInput], units: UnitOptions = UnitOptions(), each: (_ path: String, Result<ClassifiedInput, Error>) throws -> Void
    ) rethrows -> (outcomes: Int, failures: Int) {
        var outcomes = 0, failures = 0
        for input in inputs {
            let results: [Result<ClassifiedInput, Error>]
            switch input {
            case .dataset(let path):
                results = [Result { ClassifiedInput(classification: try classify(datasetAt: path)) }]
            case .miniSEED(let path):
                do { results = try classify(miniSEEDAt: path, units: units) } catch { results = [.failure(error)] }
            case .sds(let root, let station, let channels, let start, let end):
                do { results = try classify(sds: SDSArchive(root: root, channels: channels), station: station, start: start, end: end, units: units) } catch {
                    results = [.failure(error)]
                }
            case .sac(let paths, _):
                results = classify(sacFiles: paths, units: units)
            case .sacFile(let path):
                // A file of an instrument --channels does not choose gives no outcome, as in folders.
                if !channels.patterns.isEmpty, let id = try? SACTrace.seedIdentifier(path: path), !channels.matches(id.channel) {
                    results = []
                    break
                }
                results = [
                    Result {
                        let (classification, waveform, count) = try classifyRecord(at: path, units: units)
                        return ClassifiedInput(classification: classification, waveform: waveform, sampleCount: count)
                    }
                ]
            }
            for outcome in results {
                outcomes += 1
                if case .failure = outcome { failures += 1 }
                try each(input.path, outcome)
            }
        }
        if outcomes == 0, !channels.patterns.isEmpty, !inputs.isEmpty {
            outcomes = 1
            failures = 1
            try each("--channels \(channels.patterns.joined(separator: ","))", .failure(NoInstrumentChosen(patterns: channels.patterns)))
        }
        return (outcomes, failures)
    }

    /// The records of SAC files of one instrument (`RecordFolder` groups them by their headers'
    /// SEED ids): their channels as segments located by the headers (`SACFileSegment`: the
    /// samples stay in the files and are read as the windows need them, so memory holds the
    /// windows, not the records), assembled per span where every component has data
    /// (`InstrumentRecords.assemble`, as for miniSEED), brought to the card's units as `units`
    /// says (`UnitOptions.conversion`: the units the headers state first), each span classified on
    /// its own and named by the file its first sample comes from, the gaps and overlaps of its
    /// channels given with the instrument's first record (as for miniSEED). A file that cannot be read or
    /// parsed as SAC is a failure outcome of its own; a sample that is not finite, or a file
    /// changed or removed after its header was read, fails the outcome of the record it is in
    /// when the windows reach it (`RecordError.nonFiniteSample`, `SACError`).
    public func classify(sacFiles paths: [String], units: UnitOptions = UnitOptions()) -> [Result<ClassifiedInput, Error>] {
        var headers: [SACHeader] = [], segments: [SACFileSegment] = []
        var failures: [Result<ClassifiedInput, Error>] = []
        for path in paths {
            do {
                let (header, order) = try SACTrace.header(contentsOf: path)
                headers.append(header)
                segments.append(SACFileSegment(path: path, header: header, byteOrder: order, id: try SACTrace.seedIdentifier(path: path)))
            } catch {
                failures.append(.failure(error))
            }
        }
        guard !segments.isEmpty else { return failures }
        let stated: AccelerationUnit?
        do { stated = try statedUnits(headers, path: paths[0]) } catch { return failures + [.failure(error)] }
        let scan = InstrumentRecords.assemble(segments, componentOrder: card.componentOrder, minimumSeconds: windowSeconds)
        // The file of the record's first channel that holds its first sample names it.
        return failures + classify(scan, source: paths[0], units: units, stated: stated) { $0.samples.components[0].paths.first ?? paths[0] }
    }

    /// The records of the miniSEED file at `path` (with its sibling files when it holds one
    /// channel: `MiniSEEDRecords.readIndexed`, else `.readSkippingCorrupt`), each span of an instrument where every component the
    /// model takes has data classified on its own (gaps split records; nothing is invented), its
    /// samples brought to the model's units as `units` says (miniSEED does not state units: the
    /// inventory, `--sensitivity`, `--units` or `--scale`). An instrument lacking a component, or
    /// a span shorter than the window, is a failure outcome naming it and the reason. Records that
    /// do not parse or decode are skipped — their samples are gaps, where the records split — and
    /// the bytes skipped are a failure outcome of their own (`CorruptRecordsSkipped`).
    /// - Throws: `MiniSEEDError` when a file cannot be read at all.
    public func classify(miniSEEDAt path: String, units: UnitOptions = UnitOptions()) throws(MiniSEEDError) -> [Result<ClassifiedInput, Error>] {
        // Records located, their samples decoded as the windows need them; a file whose records
        // are out of order or overlap, or that holds a corrupt record, is read whole (libmseed
        // joins the records, corrupt ones are skipped).
        do throws(MiniSEEDError) {
            if let (scan, _) = try MiniSEEDRecords.readIndexed(path, componentOrder: card.componentOrder, minimumSeconds: windowSeconds) {
                let outcomes = classify(scan, source: path, units: units)
                if !Self.foundCorruptRecords(outcomes) { return outcomes }
            }
        } catch {
            guard Self.isCorrupt(error) else { throw error }
        }
        let (scan, _, corrupt) = try MiniSEEDRecords.readSkippingCorrupt(path, componentOrder: card.componentOrder, minimumSeconds: windowSeconds)
        return classify(scan, source: path, units: units) + (corrupt.isEmpty ? [] : [.failure(CorruptRecordsSkipped(corrupt: corrupt))])
    }

    /// The records of `station` from `start` to `end` (seconds since 1970-01-01 UTC) in the SDS
    /// archive `archive`: its day files read and cut to the span, channels that
    /// continue across midnight joined, then as `classify(miniSEEDAt:units:)`; each record is named
    /// "ROOT NET.STA[.LOC]". A day file that cannot be read is a failure outcome of its own.
    /// Day files whose records are in time order are indexed, not decoded (`SDSArchive.readIndexed`);
    /// records that do not parse or decode are skipped and said as in `classify(miniSEEDAt:units:)`.
    /// - Throws: `InsufficientMemoryError` before reading day files that must be decoded whole
    ///   (a channel's records out of order), when the day files decoded (at most
    ///   1.75 samples per byte with Steim-2, 8 bytes a sample) may not fit in the memory available;
    ///   `SDSError.noData` when the archive holds no samples of the station in the span.
    public func classify(
        sds archive: SDSArchive, station: StationSelector, start: Double, end: Double, units: UnitOptions = UnitOptions()
    ) throws -> [Result<ClassifiedInput, Error>] {
        let source = "\(archive.root) \(station)"
        // Day files whose records are in time order (as archives keep them) are located, not
        // decoded: memory holds the windows, not the days. A day file holding a record that does
        // not parse is read whole, with such records skipped.
        if let (segments, files, unreadable) = archive.readIndexed(station, start: start, end: end), !unreadable.contains(where: Self.isCorrupt) {
            let outcomes = try classify(segments, files: files, unreadable: unreadable, of: archive, station: station, start: start, end: end, units: units)
            // (The day files that could not be indexed come first; read whole, they fail alike.)
            if !Self.foundCorruptRecords(Array(outcomes.dropFirst(unreadable.count))) { return outcomes }
        }
        let bytes = archive.files(for: station, start: start, end: end).reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
        try MemoryBudget.current()?.check(
            neededBytes: bytes * 14, for: "reading \(source) from \(UTCTime.iso8601(start, fractionDigits: 3)) to \(UTCTime.iso8601(end, fractionDigits: 3))")
        let (segments, files, unreadable, corrupt) = archive.read(station, start: start, end: end)
        return try classify(segments, files: files, unreadable: unreadable, of: archive, station: station, start: start, end: end, units: units)
            + (corrupt.isEmpty ? [] : [.failure(CorruptRecordsSkipped(corrupt: corrupt))])
    }

    /// Whether `error` is a record that does not parse or decode (which a whole read skips).
    static func isCorrupt(_ error: MiniSEEDError) -> Bool {
        if case .badRecord = error { return true }
        return false
    }

    /// Whether classifying indexed records met a record that does not decode or holds a sample
    /// that is not finite (or a file that no longer opens): the index does not decode the records,
    /// so such a file is read whole instead, where corrupt records are skipped and said.
    static func foundCorruptRecords(_ outcomes: [Result<ClassifiedInput, Error>]) -> Bool {
        outcomes.contains {
            if case .failure(let error) = $0, error is MiniSEEDError { return true }
            return false
        }
    }

    /// The SDS span's `segments` (read from `files`; `unreadable` day files are failure outcomes of
    /// their own) assembled and classified as `classify(sds:…)` says.
    private func classify<Segment: ChannelSegment>(
        _ segments: [Segment], files: [String], unreadable: [MiniSEEDError], of archive: SDSArchive, station: StationSelector, start: Double,
        end: Double, units: UnitOptions
    ) throws -> [Result<ClassifiedInput, Error>] {
        let failures: [Result<ClassifiedInput, Error>] = unreadable.map { .failure($0) }
        guard !segments.isEmpty else {
            guard failures.isEmpty else { return failures }
            // No day file, and --channels chose none of the channel folders there: say which are.
            let folders = files.isEmpty && !archive.channels.isEmpty ? archive.channelFolders(of: station, start: start, end: end) : []
            let unselected = folders.contains { archive.reads(channel: String($0.dropLast(2))) } ? [] : folders
            throw SDSError.noData(
                root: archive.root, station: station, start: start, end: end, files: files.count, unselected: unselected, patterns: archive.channels)
        }
        let scan = InstrumentRecords.assemble(segments, componentOrder: card.componentOrder, minimumSeconds: windowSeconds)
        return failures + classify(scan, source: "\(archive.root) \(station)", units: units)
    }

    /// Each record of `scan` (read from `path`) classified on its own, its samples brought to the
    /// model's units as `units` says (`UnitOptions.conversion`: `stated`, the units the files
    /// state, first), named by `recordSource` (default: `path`), the gaps and overlaps of its
    /// instrument given with the instrument's first record; an instrument lacking a component, or a
    /// span shorter than the window, is a failure outcome naming it and the reason.
    func classify<Samples>(
        _ all: InstrumentScan<Samples>, source path: String, units: UnitOptions, stated: AccelerationUnit? = nil,
        recordSource: ((InstrumentRecord<Samples>) -> String)? = nil
    ) -> [Result<ClassifiedInput, Error>] {
        let scan = chosen(all, source: path)
        var outcomes: [Result<ClassifiedInput, Error>] = []
        var gapsGiven = Set<String>()
        for record in scan.records {
            let path = recordSource?(record) ?? path
            let source = "\(path) \(record.instrumentID)"
            outcomes.append(
                Result {
                    let w = record.samples
                    try MemoryBudget.current()?.check(
                        neededBytes: estimatedPeakBytes(samples: w.sampleCount, samplingRateHz: w.samplingRateHz),
                        for: "classifying \(source)")
                    let (c, plot) = try classify(
                        samples: w, units: units, stated: stated, channels: record.channels, path: source, source: path, instrumentID: record.instrumentID)
                    let gaps = gapsGiven.insert(record.instrumentID).inserted ? scan.gaps.filter { $0.id.instrumentID == record.instrumentID } : []
                    // A record in memory is plotted from itself; one decoded as read, from its plot samples.
                    return ClassifiedInput(
                        classification: c, waveform: (w as? Waveform) ?? plot, sampleCount: w.sampleCount, instrumentID: record.instrumentID, gaps: gaps)
                })
        }
        for (what, reason) in scan.skipped { outcomes.append(.failure(SkippedInstrument(path: path, what: what, reason: reason))) }
        return outcomes
    }
}

extension Classifier {
    /// The records and skipped instruments of `scan` that `channels` chooses (an input holding
    /// none gives no outcome; `classify(inputs:units:each:)` reports when no input held any).
    func chosen<Samples>(_ scan: InstrumentScan<Samples>, source: String) -> InstrumentScan<Samples> {
        guard !channels.patterns.isEmpty else { return scan }
        // An instrument ("NET.STA.LOC.BI", perhaps followed by " at TIME") is chosen when a pattern matches one of its channels.
        func isChosen(_ instrument: Substring) -> Bool {
            let bandInstrument = instrument.split(separator: ".", omittingEmptySubsequences: false).last.map(String.init) ?? ""
            return "ZNE123XY".contains { channels.matches(bandInstrument + String($0)) }
        }
        var out = InstrumentScan<Samples>()
        out.records = scan.records.filter { $0.channels.allSatisfy { channels.matches($0.channel) } }
        out.skipped = scan.skipped.filter { isChosen($0.what.split(separator: " ").first ?? "") }
        out.gaps = scan.gaps.filter { channels.matches($0.id.channel) }
        return out
    }
}

/// An SDS archive request that found nothing: no day file (`unselected`: the station's channel
/// folders there when the channel `patterns` chose none of them, else empty), or day files
/// without samples in the span.
public enum SDSError: Error, CustomStringConvertible, Equatable {
    case noData(root: String, station: StationSelector, start: Double, end: Double, files: Int, unselected: [String], patterns: [String])
    public var description: String {
        switch self {
        case .noData(let root, let station, let start, let end, let files, let unselected, let patterns):
            let span = "\(UTCTime.iso8601(start, fractionDigits: 3)) to \(UTCTime.iso8601(end, fractionDigits: 3))"
            guard files == 0 else { return "\(root): \(files) day files of \(station) hold no samples from \(span)" }
            let looked = "looked for \(root)/YEAR/\(station.network)/\(station.station)/CHA.D/\(station.network).\(station.station).LOC.CHA.D.YEAR.DAY"
            guard !unselected.isEmpty else { return "\(root): no day files of \(station) for \(span) (\(looked))" }
            return "\(root): no day files of \(station) for \(span): --channels \(patterns.joined(separator: ",")) chooses none of its channel "
                + "folders \(unselected.joined(separator: ", ")) (patterns match whole channel codes, with ? and *: HN? for HNZ, HNN, HNE)"
        }
    }
}
