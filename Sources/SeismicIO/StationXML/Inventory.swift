// Inventory: the instrument sensitivities of an FDSN StationXML inventory, per channel and epoch,
// read with XMLCoder — what ObsPy's read_inventory gives as Channel.response.instrument_sensitivity.

import Foundation
import XMLCoder

/// One channel epoch of an inventory: its SEED id, when it applies, and its overall sensitivity
/// (counts per input unit at `frequencyHz`), as StationXML's `Response/InstrumentSensitivity`.
public struct ChannelSensitivity: Sendable, Equatable {
    public var id: SEEDIdentifier
    /// Seconds since 1970-01-01 UTC; `end` nil when the epoch is open.
    public var start: Double
    public var end: Double?
    /// Counts per input unit (StationXML `Value`).
    public var value: Double
    public var frequencyHz: Double?
    /// The unit the sensitivity converts counts to, as StationXML names it ("M/S**2", "M/S", "PA"…).
    public var inputUnits: String
}

/// Why an inventory could not be read or used.
public enum StationXMLError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case notStationXML(path: String, reason: String)
    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "\(p): cannot be read: \(r)"
        case .notStationXML(let p, let r): return "\(p): not a usable FDSN StationXML inventory: \(r)"
        }
    }
}

/// The channel sensitivities of an FDSN StationXML document (https://www.fdsn.org/xml/station/).
public struct Inventory: Sendable, Equatable {
    public var channels: [ChannelSensitivity]

    public init(channels: [ChannelSensitivity]) { self.channels = channels }

    /// The inventory in the file at `path`.
    /// - Throws: `StationXMLError` naming the file: unreadable, not XML, not StationXML (no
    ///   FDSNStationXML root), a date or number that does not parse.
    public static func read(_ path: String) throws(StationXMLError) -> Inventory {
        if InputPaths.isFolder(path) { throw .unreadable(path: path, reason: "it is a folder, not a StationXML file") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file")
        }
        return try read(data: data, path: path)
    }

    /// The inventory in `data` (the file's bytes); `path` names it in errors.
    public static func read(data: Data, path: String) throws(StationXMLError) -> Inventory {
        if data.isEmpty { throw .notStationXML(path: path, reason: "the file is empty") }
        let format = FileFormat.detect(Array(data.prefix(4096)))
        guard format == .stationXML else { throw .notStationXML(path: path, reason: "the file looks like \(format.rawValue)") }
        // StationXML is UTF-8; FoundationXML's parser traps on a name that is not (found by fuzzing).
        guard String(data: data, encoding: .utf8) != nil else { throw .notStationXML(path: path, reason: "the file is not UTF-8 text") }
        let decoder = XMLDecoder()
        decoder.shouldProcessNamespaces = true
        decoder.trimValueWhitespaces = true
        let root: Root
        do { root = try decoder.decode(Root.self, from: data) } catch { throw .notStationXML(path: path, reason: Self.reason(error)) }
        var channels: [ChannelSensitivity] = []
        for network in root.networks ?? [] {
            for station in network.stations ?? [] {
                for channel in station.channels ?? [] {
                    guard let s = channel.response?.instrumentSensitivity else { continue }  // no response: not convertible
                    let id = SEEDIdentifier(network: network.code, station: station.code, location: channel.locationCode ?? "", channel: channel.code)
                    // startDate is optional in the schema (ObsPy may leave it out): then from the beginning.
                    var start = -Double.infinity
                    if let text = channel.startDate {
                        guard let t = Self.time(text) else { throw .notStationXML(path: path, reason: "channel \(id): startDate \(text) is not a UTC time") }
                        start = t
                    }
                    var end: Double? = nil
                    if let text = channel.endDate {
                        guard let e = Self.time(text) else { throw .notStationXML(path: path, reason: "channel \(id): endDate \(text) is not a UTC time") }
                        end = e
                    }
                    guard s.value.isFinite, s.value != 0 else {
                        throw .notStationXML(path: path, reason: "channel \(id): InstrumentSensitivity Value \(s.value) is not a finite, non-zero number")
                    }
                    channels.append(ChannelSensitivity(id: id, start: start, end: end, value: s.value, frequencyHz: s.frequency, inputUnits: s.inputUnits.name))
                }
            }
        }
        guard !channels.isEmpty else { throw .notStationXML(path: path, reason: "no channel has a Response with an InstrumentSensitivity") }
        return Inventory(channels: channels)
    }

    /// The sensitivity of channel `id` at `time` (seconds since 1970-01-01 UTC): the first of
    /// `epochs(of:at:)`; nil when there is none.
    public func sensitivity(of id: SEEDIdentifier, at time: Double) -> ChannelSensitivity? { epochs(of: id, at: time).first }

    /// The epochs of channel `id` that hold `time` (start ≤ time < end; an open end runs on), in
    /// the document's order. More than one means the inventory overlaps itself.
    public func epochs(of id: SEEDIdentifier, at time: Double) -> [ChannelSensitivity] {
        channels.filter { $0.id == id && $0.start <= time && ($0.end.map { time < $0 } ?? true) }
    }

    /// A StationXML dateTime: ISO 8601 in UTC, "Z" or a "+00:00" offset allowed (as FDSN web
    /// services write it).
    private static func time(_ text: String) -> Double? {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.hasSuffix("+00:00") { t.removeLast(6) }
        return UTCTime.parse(t)
    }

    private static func reason(_ error: Error) -> String {
        // The XML parser's own errors: say what is malformed, not an NSError dump.
        var underlying: Error? = error
        if case DecodingError.dataCorrupted(let context) = error { underlying = context.underlyingError ?? error }
        if let ns = underlying as NSError?, ns.domain == "NSXMLParserErrorDomain" {
            // NSXMLParserError codes (libxml2's): the common ones by name.
            let what = [
                4: "the document is empty", 5: "the document ends early (cut short?)", 9: "a character that is not allowed",
                76: "a closing tag does not match its opening tag"
            ][ns.code]
            return "not well-formed XML" + (what.map { ": \($0)" } ?? "") + " (XML parser error \(ns.code))"
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \(key.stringValue)" + (context.codingPath.isEmpty ? "" : " in " + context.codingPath.map(\.stringValue).joined(separator: "/"))
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            return (context.codingPath.isEmpty ? "" : context.codingPath.map(\.stringValue).joined(separator: "/") + ": ") + context.debugDescription
        default:
            return "\(error)"
        }
    }

    // The document as far as sensitivities go; everything else in it is ignored.
    private struct Root: Decodable {
        var networks: [Network]?
        enum CodingKeys: String, CodingKey { case networks = "Network" }
    }
    private struct Network: Decodable {
        var code: String
        var stations: [Station]?
        enum CodingKeys: String, CodingKey { case code, stations = "Station" }
    }
    private struct Station: Decodable {
        var code: String
        var channels: [Channel]?
        enum CodingKeys: String, CodingKey { case code, channels = "Channel" }
    }
    private struct Channel: Decodable {
        var code: String
        var locationCode: String?
        var startDate: String?
        var endDate: String?
        var response: Response?
        enum CodingKeys: String, CodingKey { case code, locationCode, startDate, endDate, response = "Response" }
    }
    private struct Response: Decodable {
        var instrumentSensitivity: Sensitivity?
        enum CodingKeys: String, CodingKey { case instrumentSensitivity = "InstrumentSensitivity" }
    }
    private struct Sensitivity: Decodable {
        var value: Double
        var frequency: Double?
        var inputUnits: Units
        enum CodingKeys: String, CodingKey { case value = "Value", frequency = "Frequency", inputUnits = "InputUnits" }
    }
    private struct Units: Decodable {
        var name: String
        enum CodingKeys: String, CodingKey { case name = "Name" }
    }
}
