// SeedLinkStreams: what a SeedLink client asks for — the server's address and, per station, the
// stream selectors (`seedlink://HOST:PORT?streams=NET_STA:SELECTORS,…`, slinktool's -S list, or
// a stream list file as slinktool's -l reads).

import Foundation

/// One station a SeedLink client asks for, as the protocol's `STATION STA NET` command names it,
/// with the `SELECT` patterns of its streams (SeedLink 3.1 selectors `[LL]CCC[.T]`: an optional
/// two-character location, a three-character channel code, an optional type; `?` matches any
/// character, e.g. "HN?", "00HN?", "HN?.D"; a leading `!` excludes, "!HNZ"). No selector: every
/// stream of the station. Network and station codes may hold `?` and `*` for servers that
/// announce NSWILDCARD.
public struct SeedLinkStation: Hashable, Sendable, CustomStringConvertible {
    public var network: String
    public var station: String
    public var selectors: [String]

    public init(network: String, station: String, selectors: [String] = []) {
        self.network = network
        self.station = station
        self.selectors = selectors
    }

    /// "NET_STA", the key SeedLink clients (slinktool, libslink) give a station and its sequence numbers.
    public var key: String { "\(network)_\(station)" }

    public var description: String { key + (selectors.isEmpty ? "" : ":" + selectors.joined(separator: " ")) }

    /// A selector as SeedLink 4.0 writes it, `[!]LOC_B_S_SS[.T]` (band, source and subsource of the
    /// FDSN source identifier): "HN?" → "*_H_N_?", "00HNZ.D" → "00_H_N_Z.D", "--HNZ" → "_H_N_Z"
    /// (empty location), as libslink's sl_v3to4selector converts.
    public static func version4Selector(_ selector: String) -> String {
        var s = Substring(selector)
        let negated = s.hasPrefix("!")
        if negated { s = s.dropFirst() }
        var emptyLocation = false
        while s.hasPrefix("-") {
            emptyLocation = true
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let code = Array(parts[0]), type = parts.count == 2 ? "." + parts[1] : ""
        guard code.count >= 3 else { return selector }
        let location = emptyLocation ? "" : code.count == 3 ? "*" : String(code.prefix(code.count - 3))
        let c = code.suffix(3).map(String.init)
        return (negated ? "!" : "") + "\(location)_\(c[0])_\(c[1])_\(c[2])" + type
    }

    /// Whether a record of station `stationKey` ("NET_STA") answers this request (`?` any one
    /// character, `*` any run, as servers with NSWILDCARD match).
    public func matches(stationKey: String) -> Bool {
        let parts = stationKey.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { return false }
        return Self.like(network, parts[0]) && Self.like(station, parts[1])
    }

    static func like(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        func go(_ i: Int, _ j: Int) -> Bool {
            if i == p.count { return j == t.count }
            if p[i] == "*" { return (j...t.count).contains { go(i + 1, $0) } }
            return j < t.count && (p[i] == "?" || p[i] == t[j]) && go(i + 1, j + 1)
        }
        return go(0, 0)
    }
}

/// A SeedLink server and the streams to request from it: `seedlink://HOST[:PORT]?streams=LIST`
/// with LIST a comma-separated list of `NET_STA` or `NET_STA:SELECTORS` (several selectors
/// separated by spaces, `+` or `%20`; a station named twice gets both), as slinktool's `-S` list; port 18000 when not given. `&fetch` asks for FETCH
/// instead of DATA: the server sends what it has from the resume point, then closes and the session
/// ends (on a first connection most servers, ringserver among them, start at the next new record,
/// so a first FETCH may bring nothing); DATA streams until stopped. `&protocol=3.1` or
/// `&protocol=4.0` asks for that version of the protocol; by default the client speaks 4.0 when
/// the server's HELLO offers it (SLPROTO:4.0) and 3.1 otherwise.
public struct SeedLinkAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var stations: [SeedLinkStation]
    public var fetch: Bool
    /// The protocol version asked for; nil: the newest both sides speak.
    public var version: SeedLinkVersion?

    /// The port SeedLink servers listen on unless told otherwise.
    public static let defaultPort = 18000

    public init(host: String, port: Int = defaultPort, stations: [SeedLinkStation], fetch: Bool = false, version: SeedLinkVersion? = nil) {
        self.host = host
        self.port = port
        self.stations = stations
        self.fetch = fetch
        self.version = version
    }

    /// Parses `seedlink://HOST[:PORT]?streams=NET_STA[:SELECTOR],…[&fetch]` (HOST may be an IPv6
    /// address in brackets; without `requireStreams`, `?streams=` may be left out: an address for
    /// INFO requests only).
    /// - Throws: `SeedLinkError.badAddress` naming what is wrong and the expected form.
    public init(parsing text: String, requireStreams: Bool = true) throws(SeedLinkError) {
        let scheme = "seedlink://"
        guard text.lowercased().hasPrefix(scheme) else { throw .badAddress(text, reason: "it does not start with seedlink://") }
        let rest = text.dropFirst(scheme.count)
        let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var hostPort = String(parts[0])
        if hostPort.hasSuffix("/") { hostPort.removeLast() }
        var host = hostPort, port = Self.defaultPort
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            // An IPv6 address in brackets, as URLs write it: [::1]:18000.
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let rest = hostPort[hostPort.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (1...65535).contains(p) else {
                    throw .badAddress(text, reason: "'\(rest)' after the IPv6 address is not :PORT with a port in 1…65535")
                }
                port = p
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            guard let p = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(p) else {
                throw .badAddress(text, reason: "the port '\(hostPort[hostPort.index(after: colon)...])' is not a number in 1…65535")
            }
            port = p
        }
        guard !host.isEmpty, !host.contains("/") else { throw .badAddress(text, reason: "no host name") }
        var list: String? = nil
        var fetch = false
        var version: SeedLinkVersion? = nil
        if parts.count == 2 {
            for item in parts[1].split(separator: "&") {
                if item.hasPrefix("streams=") {
                    list = String(item.dropFirst("streams=".count))
                } else if item == "fetch" || item == "fetch=1" || item == "fetch=true" {
                    fetch = true
                } else if item.hasPrefix("protocol=") {
                    let value = item.dropFirst("protocol=".count)
                    guard let v = SeedLinkVersion(rawValue: String(value == "3" ? "3.1" : value == "4" ? "4.0" : value)) else {
                        throw .badAddress(text, reason: "protocol '\(value)' is not 3.1 or 4.0")
                    }
                    version = v
                } else {
                    throw .badAddress(text, reason: "unknown parameter '\(item)' (streams=…, fetch and protocol=3.1|4.0 are known)")
                }
            }
        }
        guard let list, !list.isEmpty else {
            if !requireStreams, list == nil {
                self.init(host: host, port: port, stations: [], fetch: fetch, version: version)
                return
            }
            throw .badAddress(text, reason: Self.noStreams)
        }
        self.init(host: host, port: port, stations: try Self.stations(list, in: text), fetch: fetch, version: version)
    }

    /// What an address without streams lacks.
    public static let noStreams = "no streams: add ?streams=NET_STA:SELECTOR,… (e.g. ?streams=TW_A001:HN?,TW_A002:HN?)"

    /// The stations of a `NET_STA[:SELECTOR],…` list, in first-mention order, selectors merged.
    static func stations(_ list: String, in text: String) throws(SeedLinkError) -> [SeedLinkStation] {
        var out: [SeedLinkStation] = []
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            let fields = item.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let station = station(fields[0].split(separator: "_", omittingEmptySubsequences: false)) else {
                throw .badAddress(
                    text, reason: "'\(item)' is not NET_STA or NET_STA:SELECTOR (network of 1-2 and station of 1-5 letters or digits, e.g. TW_A001:HN?)")
            }
            var selectors: [String] = []
            if fields.count == 2 {
                let words = fields[1].replacingOccurrences(of: "%20", with: " ").split(whereSeparator: { $0 == " " || $0 == "+" }).map(String.init)
                if let bad = words.first(where: { !Self.isSelector($0) }) ?? (words.isEmpty ? "" : nil) {
                    throw .badAddress(text, reason: "'\(bad)' \(badSelectorReason)")
                }
                selectors = words
            }
            merge(SeedLinkStation(network: station.network, station: station.station, selectors: selectors), into: &out)
        }
        return out
    }

    /// Adds `station` to `list`, or its selectors to the same station's (a station named with and
    /// without selectors: all of its streams).
    static func merge(_ station: SeedLinkStation, into list: inout [SeedLinkStation]) {
        guard let k = list.firstIndex(where: { $0.network == station.network && $0.station == station.station }) else {
            return list.append(station)
        }
        if list[k].selectors.isEmpty || station.selectors.isEmpty {
            list[k].selectors = []
        } else {
            list[k].selectors += station.selectors.filter { !list[k].selectors.contains($0) }
        }
    }

    /// The address with `more` stations asked for as well (merged as a list names them).
    public func adding(_ more: [SeedLinkStation]) -> SeedLinkAddress {
        var out = self
        for s in more { Self.merge(s, into: &out.stations) }
        return out
    }

    /// The stations of a stream list file as libslink reads it (slinktool `-l`): a line per
    /// station, `NET_STA [SELECTOR …]` (libslink 4) or `NET STA [SELECTOR …]` (libslink 2);
    /// selectors as in the address (3.1 form), separated by spaces; blank lines and lines starting
    /// `#` skipped.
    /// - Throws: `SeedLinkError.badStreamList` naming the file, the line and what is wrong.
    public static func stations(streamList text: String, path: String) throws(SeedLinkError) -> [SeedLinkStation] {
        var out: [SeedLinkStation] = []
        // (Any line end: "\r\n" is one Character, never equal to "\n".)
        for (k, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            // NET_STA, or NET and STA as two words.
            let names: [Substring]
            if words[0].contains("_") {
                names = words[0].split(separator: "_", omittingEmptySubsequences: false)
                words.removeFirst()
            } else if words.count >= 2 {
                names = [Substring(words[0]), Substring(words[1])]
                words.removeFirst(2)
            } else {
                throw .badStreamList(path: path, line: k + 1, reason: "'\(line)' is not NET_STA [SELECTORS] (e.g. TW_A001 HN?)")
            }
            guard let station = station(names) else {
                throw .badStreamList(path: path, line: k + 1, reason: "'\(names.joined(separator: "_"))' \(badStationReason)")
            }
            if let bad = words.first(where: { !isSelector($0) }) {
                throw .badStreamList(path: path, line: k + 1, reason: "'\(bad)' \(badSelectorReason)")
            }
            merge(SeedLinkStation(network: station.network, station: station.station, selectors: words), into: &out)
        }
        return out
    }

    /// The station of network and station codes (upper-cased), nil unless a network of 1-2 and a
    /// station of 1-5 letters, digits or wildcards.
    static func station(_ names: [Substring]) -> SeedLinkStation? {
        guard names.count == 2, (1...2).contains(names[0].count), (1...5).contains(names[1].count),
            (names[0] + names[1]).allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "?" || $0 == "*") })
        else { return nil }
        return SeedLinkStation(network: names[0].uppercased(), station: names[1].uppercased())
    }

    static let badStationReason = "is not NET_STA: a network of 1-2 and a station of 1-5 letters or digits (? and * as wildcards), e.g. TW_A001"
    static let badSelectorReason = "is not a SeedLink selector [LL]CCC[.T] (e.g. HN?, 00HN?, HN?.D; ? matches any character)"

    /// Whether `s` is a SeedLink 3.1 selector: `[!][LL]CCC[.T]`, letters, digits, `?` and `-` (an
    /// empty location written "--"); a leading `!` excludes what it matches.
    static func isSelector(_ text: String) -> Bool {
        let s = text.hasPrefix("!") ? String(text.dropFirst()) : text
        let p = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(p.count), p[0].count == 3 || p[0].count == 5 else { return false }
        if p.count == 2, p[1].count != 1 { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "?" || $0 == "-" || $0 == ".") }
    }

    public var description: String {
        "seedlink://\(host):\(port)?streams="
            + stations.flatMap { s in s.selectors.isEmpty ? [s.key] : s.selectors.map { "\(s.key):\($0)" } }.joined(separator: ",")
            + (fetch ? "&fetch" : "") + (version.map { "&protocol=\($0.rawValue)" } ?? "")
    }
}

/// A version of the SeedLink protocol: 3.1, the one every server speaks (8-byte "SL" headers,
/// 24-bit hexadecimal sequence numbers, 512-byte miniSEED 2 records), or 4.0 (17-byte "SE"
/// headers with the station, 64-bit sequence numbers, payloads of any length and format).
public enum SeedLinkVersion: String, Sendable, Hashable, CaseIterable {
    case v3 = "3.1"
    case v4 = "4.0"
}

/// What goes wrong with a SeedLink address or session.
public enum SeedLinkError: Error, CustomStringConvertible, Equatable {
    /// A `seedlink://` address that does not parse.
    case badAddress(String, reason: String)
    /// The server refused every station asked for (`STATION`, `SELECT` or `DATA` answered ERROR).
    case everyStationRefused(server: String, reasons: [String])
    /// The server could not be reached, or stopped answering, after `attempts` tries.
    case unreachable(server: String, attempts: Int, reason: String)
    /// An INFO request that did not give the document asked for.
    case badInfo(server: String, reason: String)
    /// A stream list file (slinktool -l form) with a line that is not `NET_STA [SELECTORS]`.
    case badStreamList(path: String, line: Int, reason: String)
    /// The address asks for a protocol version (`&protocol=`) the server does not offer.
    case versionNotOffered(server: String, version: SeedLinkVersion, offered: [String])

    public var description: String {
        switch self {
        case .badAddress(let text, let reason):
            return "'\(text)' is not a SeedLink address: \(reason); the form is seedlink://HOST[:PORT]?streams=NET_STA:SELECTOR,… (port 18000 by default)"
        case .everyStationRefused(let server, let reasons):
            return "\(server) refused every station asked for: \(reasons.joined(separator: "; "))"
        case .unreachable(let server, let attempts, let reason):
            return "\(server): no SeedLink session after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason)"
        case .badInfo(let server, let reason):
            return "\(server): the INFO answer could not be read: \(reason)"
        case .badStreamList(let path, let line, let reason):
            return "\(path), line \(line): \(reason); a stream list has a line per station: NET_STA (or NET STA) [SELECTOR …], # for comments"
        case .versionNotOffered(let server, let version, let offered):
            return
                "\(server) does not speak SeedLink \(version.rawValue) (it offers \(offered.isEmpty ? "3.1 only" : offered.joined(separator: ", "))); leave out &protocol= to use what it speaks"
        }
    }
}
