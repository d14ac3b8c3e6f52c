// SDSArchive: reading a time span of stations from a SeisComP Data Structure archive of miniSEED
// day files, as ObsPy's obspy.clients.filesystem.sds.Client does.

import Foundation

/// A station to read: "NET.STA" (any location code) or "NET.STA.LOC" ("NET.STA." for the empty
/// location code).
public struct StationSelector: Hashable, Sendable, CustomStringConvertible {
    public var network: String
    public var station: String
    /// Nil: any location code.
    public var location: String?

    /// From "NET.STA" or "NET.STA.LOC"; nil for other text (empty network or station, more fields,
    /// characters other than letters, digits, "-" and "_").
    public init?(_ text: String) {
        let f = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(f.count), !f[0].isEmpty, !f[1].isEmpty,
            f.allSatisfy({ $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } })
        else { return nil }
        network = f[0]
        station = f[1]
        location = f.count == 3 ? f[2] : nil
    }

    public var description: String { "\(network).\(station)" + (location.map { ".\($0)" } ?? "") }

    public func matches(_ id: SEEDIdentifier) -> Bool {
        id.network == network && id.station == station && (location == nil || id.location == location)
    }
}

/// A SeisComP Data Structure archive: `ROOT/YEAR/NET/STA/CHA.D/NET.STA.LOC.CHA.D.YEAR.DAY`, one
/// miniSEED file per channel and day (day of the year, three digits).
public struct SDSArchive: Sendable {
    public var root: String
    /// Channel codes to read, as patterns with "?" (one character) and "*" (any): "HH?", "HN*";
    /// empty: every channel folder.
    public var channels: [String]

    public init(root: String, channels: [String] = []) {
        self.root = root
        self.channels = channels
    }

    /// Whether `channel` is one of `channels` (all when there are none).
    public func reads(channel: String) -> Bool { ChannelPatterns(channels).matches(channel) }

    /// The day files that may hold `station`'s samples from `start` to `end` (seconds since
    /// 1970-01-01 UTC): every channel folder of the station that `channels` selects, for each day from the day before
    /// `start` (a day file's last record may run past midnight; ObsPy's SDS client reads it too)
    /// to the day of `end`; the files that exist, sorted.
    public func files(for station: StationSelector, start: Double, end: Double) -> [String] {
        var files: [String] = []
        for (year, doy) in Self.days(from: start, to: end) {
            let folder = "\(root)/\(year)/\(station.network)/\(station.station)"
            for channelFolder in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
            where channelFolder.hasSuffix(".D") && reads(channel: String(channelFolder.dropLast(2))) {
                let channel = String(channelFolder.dropLast(2))
                let prefix = "\(station.network).\(station.station)."
                let suffix = ".\(channel).D.\(year).\(String(format: "%03d", doy))"
                for name in ((try? FileManager.default.contentsOfDirectory(atPath: "\(folder)/\(channelFolder)")) ?? []).sorted()
                where name.hasPrefix(prefix) && name.hasSuffix(suffix) {
                    let location = String(name.dropFirst(prefix.count).dropLast(suffix.count))
                    if station.location == nil || station.location == location { files.append("\(folder)/\(channelFolder)/\(name)") }
                }
            }
        }
        return files
    }

    /// The days whose files may hold samples from `start` to `end`: from the day before `start`
    /// to the day of `end`, as (year, day of the year from 1), UTC.
    private static func days(from start: Double, to end: Double) -> [(year: Int, dayOfYear: Int)] {
        stride(from: (start / 86_400).rounded(.down) - 1, through: (end / 86_400).rounded(.down), by: 1).map { day in
            var t = time_t(day * 86_400)
            var parts = tm()
            gmtime_r(&t, &parts)
            return (Int(parts.tm_year) + 1900, Int(parts.tm_yday) + 1)
        }
    }

    /// The channel folders (CHA.D) of `station` in the years of the days `files(for:start:end:)`
    /// looks at, whether `channels` selects them or not, sorted and named once: what a request
    /// that found no day file can point to when its patterns chose none ("HN" is no pattern for
    /// HNZ: "HN?" is).
    public func channelFolders(of station: StationSelector, start: Double, end: Double) -> [String] {
        let years = Set(Self.days(from: start, to: end).map(\.year))
        return Set(
            years.flatMap { year in
                ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(year)/\(station.network)/\(station.station)")) ?? [])
                    .filter { $0.hasSuffix(".D") }
            }
        ).sorted()
    }

    /// `station`'s segments from `start` to `end`: the day files (`files(for:start:end:)`) read
    /// and each segment cut to the samples within the span (a segment running past midnight into
    /// the next day's file is joined to it by `InstrumentRecords.assemble`, as it continues it).
    /// Records that do not parse or decode are skipped (`MiniSEED.read(_:skippingCorrupt:)`):
    /// their samples are gaps.
    /// - Returns: the segments (none when the archive holds nothing there), the files read, the
    /// day files that could not be read with the reason (the others are read regardless: a day
    /// file still being written does not hide the rest), and the corrupt bytes skipped.
    public func read(_ station: StationSelector, start: Double, end: Double) -> (
        segments: [TraceSegment], files: [String], unreadable: [MiniSEEDError], corrupt: [CorruptBytes]
    ) {
        var corrupt: [CorruptBytes] = []
        let (segments, files, unreadable) = read(station, start: start, end: end) { p throws(MiniSEEDError) in
            let volume = try MiniSEED.read(p, skippingCorrupt: true)
            corrupt += volume.corrupt
            return volume.segments
        }!
        return (segments, files, unreadable, corrupt)
    }

    /// `read` with the day files' records located, not decoded (`MiniSEED.index`): the same
    /// segments, cut to the span, their samples decoded when they are read. Nil when a file's
    /// records of a channel are out of time order or overlap (`read` takes those).
    public func readIndexed(_ station: StationSelector, start: Double, end: Double) -> (
        segments: [IndexedSegment], files: [String], unreadable: [MiniSEEDError]
    )? {
        read(station, start: start, end: end) { p throws(MiniSEEDError) in try MiniSEED.index(p) }
    }

    /// The segments `load` gives for the day files, cut to the span, as `read` says; nil when
    /// `load` gives nil for one of them.
    private func read<Segment: ChannelSegment>(
        _ station: StationSelector, start: Double, end: Double, load: (String) throws(MiniSEEDError) -> [Segment]?
    ) -> (segments: [Segment], files: [String], unreadable: [MiniSEEDError])? {
        let files = files(for: station, start: start, end: end)
        var segments: [Segment] = [], unreadable: [MiniSEEDError] = []
        for path in files {
            let loaded: [Segment]
            do {
                guard let l = try load(path) else { return nil }
                loaded = l
            } catch {
                unreadable.append(error)
                continue
            }
            for s in loaded where station.matches(s.id) && reads(channel: s.id.channel) {
                guard let (first, last) = Self.span(start: start, end: end, of: s) else { continue }
                segments.append(s.cut(first: first, count: last - first + 1))
            }
        }
        return (segments, files, unreadable)
    }

    /// The samples of `s` at times within [start, end] (to a thousandth of a sample: clock
    /// rounding), first and last; nil when none.
    static func span(start: Double, end: Double, of s: some ChannelSegment) -> (first: Int, last: Int)? {
        let first = max(0, Int(((start - s.startTime) * s.samplingRateHz - 1e-3).rounded(.up)))
        let last = min(s.sampleCount - 1, Int(((end - s.startTime) * s.samplingRateHz + 1e-3).rounded(.down)))
        return first <= last ? (first, last) : nil
    }
}
