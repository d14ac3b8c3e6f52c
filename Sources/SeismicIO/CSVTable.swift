// CSVTable: a header row and records (RFC 4180 quoting), looked up by column name.

import Foundation

public enum CSVError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case empty(path: String)
    case missingColumns(path: String, columns: [String])
    case badRow(path: String, line: Int, fields: Int, expected: Int)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): return "\(p): cannot open: \(r)"
        case .empty(let p): return "\(p): no header row"
        case .missingColumns(let p, let c): return "\(p): missing columns \(c.joined(separator: ", "))"
        case .badRow(let p, let l, let f, let e): return "\(p): line \(l) has \(f) fields, the header has \(e)"
        }
    }
}

/// A CSV file held as rows of strings, addressed by header names.
public struct CSVTable: Sendable {
    public let header: [String]
    public let rows: [[String]]
    private let column: [String: Int]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
        var c: [String: Int] = [:]
        for (i, h) in header.enumerated() where c[h] == nil { c[h] = i }
        column = c
    }

    public init(contentsOf path: String, requiring required: [String] = []) throws(CSVError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .cannotOpen(path: path, reason: error.localizedDescription)
        }
        let records = Self.parse(text)
        guard let header = records.first else { throw .empty(path: path) }
        for (i, r) in records.dropFirst().enumerated() where r.count != header.count {
            throw .badRow(path: path, line: i + 2, fields: r.count, expected: header.count)
        }
        self.init(header: header, rows: Array(records.dropFirst()))
        let missing = required.filter { column[$0] == nil }
        if !missing.isEmpty { throw .missingColumns(path: path, columns: missing) }
    }

    public func value(_ row: Int, _ name: String) -> String? { column[name].map { rows[row][$0] } }

    public func double(_ row: Int, _ name: String) -> Double? {
        value(row, name).flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// RFC 4180 records: quoted fields may hold commas, quotes ("") and newlines; CRLF or LF.
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var field = [UInt8](), record = [String]()
        var quoted = false, sawAny = false
        let bytes = Array(text.utf8)
        var i = 0
        func endField() { record.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while i < bytes.count {
            let b = bytes[i]
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") { field.append(b); i += 1 } else { quoted = false }
                } else {
                    field.append(b)
                }
            } else if b == UInt8(ascii: "\"") {
                quoted = true
                sawAny = true
            } else if b == UInt8(ascii: ",") {
                endField()
                sawAny = true
            } else if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                if b == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                if sawAny || !field.isEmpty { endField(); records.append(record) }
                record.removeAll()
                sawAny = false
            } else {
                field.append(b)
                sawAny = true
            }
            i += 1
        }
        if sawAny || !field.isEmpty { endField(); records.append(record) }
        return records
    }
}
