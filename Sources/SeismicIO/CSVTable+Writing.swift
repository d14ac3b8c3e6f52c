// CSVTable+Writing: RFC 4180 text for a table, a record or one field — the one CSV writer.

import Foundation

extension CSVTable {
    /// One field as RFC 4180 writes it: enclosed in double quotes, with each quote doubled, when it
    /// holds a comma, a double quote, CR or LF (a path with a comma stays one column); else as is.
    public static func field(_ text: String) -> String {
        // Bytes, not characters: "\r\n" is one character but holds "\r".
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") })
        else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record: the fields quoted as needed and joined by commas, without a line end.
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// The table as CSV text: the header, then every row, each record ending in "\n" (which
    /// `CSVTable(contentsOf:)` and common readers accept; RFC 4180 prefers CRLF).
    public var text: String {
        ([header] + rows).map { Self.record($0) + "\n" }.joined()
    }
}
