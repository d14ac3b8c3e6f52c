// NetworkStatus: what a network monitoring session reports while it runs — stations live, silent,
// refused, never heard or skipped; latency; the SeedLink link's counts; memory and CPU — as a
// line of text or a JSON object.

import Foundation
import SeismicIO

/// A snapshot of a `NetworkMonitorSession` (its `statusReport`).
public struct NetworkStatus: Sendable {
    /// Seconds since the session started.
    public var elapsedSeconds: Double
    /// Stations ("NET.STA.LOC") monitored with a record within `silentSeconds`, and the others
    /// (named); stations heard without an instrument of the components the model needs yet (named).
    public var live: Int
    public var silent: [String]
    public var incomplete: [String]
    public var silentSeconds: Double
    /// Requests ("NET_STA") the server refused, accepted but never heard from, and stations heard
    /// with every record skipped (units or sampling rate).
    public var refused: [String], neverHeard: [String], allSkipped: [String]
    /// Seconds from the record that completed a window to its classification (median, 99th
    /// percentile, over `windows` recent windows), and from the window's last sample (UTC) to then.
    public var latencyMedian: Double, latencyP99: Double, windows: Int
    public var dataAgeMedian: Double, dataAgeP99: Double
    public var link: SeedLinkStatistics
    /// The SeedLink version of the last session.
    public var version: SeedLinkVersion
    public var lateSamples: Int, duplicateSamples: Int, skippedRecords: Int
    public var picks: Int, events: Int
    /// Resident memory (MB; nil where /proc cannot be read) and CPU time used (s).
    public var residentMegabytes: Double?, cpuSeconds: Double

    /// One line: `lead` ("status after", "session of") then the figures.
    public func text(lead: String = "status after") -> String {
        func named(_ list: [String]) -> String { " (\(list.prefix(10).joined(separator: ", "))\(list.count > 10 ? ", …" : ""))" }
        return
            "monitor: \(lead) \(Int(elapsedSeconds)) s: \(live) stations live, \(silent.count) silent (no record for \(String(format: "%g", silentSeconds)) s)"
            + (silent.isEmpty ? "" : named(silent))
            + (incomplete.isEmpty ? "" : ", \(incomplete.count) without the components the model needs" + named(incomplete))
            + (refused.isEmpty ? "" : ", \(refused.count) refused by the server" + named(refused))
            + (neverHeard.isEmpty ? "" : ", \(neverHeard.count) asked for and never heard" + named(neverHeard))
            + (allSkipped.isEmpty ? "" : ", \(allSkipped.count) with every record skipped (units or rate)" + named(allSkipped))
            + "; latency (record received → window classified) median \(String(format: "%.1f", latencyMedian * 1000)) ms, p99 \(String(format: "%.1f", latencyP99 * 1000)) ms"
            + " over the last \(windows) windows; age of a window's last sample when classified median \(String(format: "%.2f", dataAgeMedian)) s, p99 \(String(format: "%.2f", dataAgeP99)) s"
            + "; SeedLink \(version.rawValue): \(link.records) records, \(link.reconnects) reconnects, \(link.duplicateRecords) duplicate and \(link.undecodableRecords) undecodable records dropped, \(link.garbage) garbage, \(link.stalls) stalls"
            + (link.renumberings > 0 ? ", \(link.renumberings) restarts with new sequence numbers" : "")
            + "; \(lateSamples) late and \(duplicateSamples) duplicate samples; \(skippedRecords) records skipped (units or rate)"
            + "; \(picks) picks, \(events) events; resident memory \(residentMegabytes.map { String(format: "%.1f MB", $0) } ?? "unknown"), CPU \(String(format: "%.1f", cpuSeconds)) s"
    }

    /// One JSON object, `type` "status" (seconds as numbers, station lists in full).
    public var json: String { json(type: "status") }

    /// The same with another `type` ("summary" at the end of a session).
    public func json(type: String) -> String {
        let object: [String: Any] = [
            "type": type, "elapsed_seconds": elapsedSeconds, "stations_live": live, "stations_silent": silent, "stations_incomplete": incomplete,
            "silent_seconds": silentSeconds,
            "refused": refused, "never_heard": neverHeard, "all_records_skipped": allSkipped,
            "latency_median_seconds": latencyMedian, "latency_p99_seconds": latencyP99, "windows": windows,
            "data_age_median_seconds": dataAgeMedian, "data_age_p99_seconds": dataAgeP99,
            "seedlink": [
                "version": version.rawValue, "records": link.records, "reconnects": link.reconnects, "duplicate_records": link.duplicateRecords,
                "undecodable_records": link.undecodableRecords, "empty_records": link.emptyRecords, "garbage": link.garbage, "stalls": link.stalls,
                "renumberings": link.renumberings, "bytes": link.bytes
            ] as [String: Any],
            "late_samples": lateSamples, "duplicate_samples": duplicateSamples, "skipped_records": skippedRecords, "picks": picks, "events": events,
            "resident_megabytes": residentMegabytes ?? NSNull(), "cpu_seconds": cpuSeconds
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
