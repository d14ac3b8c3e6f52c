// The one CSV writer: RFC 4180 quoting, read back unchanged by CSVTable.

import Foundation
import SeismicIO
import Testing

struct CSVWritingTests {
    @Test func quotesOnlyFieldsThatNeedIt() {
        #expect(CSVTable.field("plain") == "plain")
        #expect(CSVTable.field("data/a,b/ST01.HLZ.sac") == "\"data/a,b/ST01.HLZ.sac\"")
        #expect(CSVTable.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVTable.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVTable.field("crlf\r\nend") == "\"crlf\r\nend\"")
        #expect(CSVTable.record(["a", "b,c", ""]) == "a,\"b,c\",")
    }

    @Test func writtenTablesReadBackUnchanged() throws {
        let header = ["record", "p_Noise", "note"]
        let rows = [["/data/a,b/ST01.HLZ.sac", "0.5", "say \"hi\""], ["x", "", "two\nlines, and \"quotes\""], ["é,ü", "1", " padded "]]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try CSVTable(header: header, rows: rows).text.write(toFile: path, atomically: true, encoding: .utf8)
        let back = try CSVTable(contentsOf: path, requiring: header)
        #expect(back.header == header)
        #expect(back.rows == rows)
    }
}
