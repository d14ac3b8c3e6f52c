// libFuzzer target: CSV bytes (a STEAD catalogue, a history) → CSVTable; a loaded table's rows must
// all have the header's width, every field must be readable by name, and writing the table and
// reading it back must give the same table (RFC 4180 quoting round trip).
// Built with SeismicIO's sources into one module by scripts/fuzz.sh; not part of the package.

import Foundation

private let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-csv-\(getpid()).csv").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes: data, count: size)),
        let table = try? CSVTable(contentsOf: scratch)
    else { return 0 }
    for (r, row) in table.rows.enumerated() {
        guard row.count == table.header.count else { fatalError("row \(r) has \(row.count) fields, header \(table.header.count)") }
        for name in table.header { _ = table.value(r, name); _ = table.double(r, name) }
    }
    guard FileManager.default.createFile(atPath: scratch, contents: Data(table.text.utf8)),
        let again = try? CSVTable(contentsOf: scratch)
    else { fatalError("a written table could not be read back") }
    guard again.header == table.header, again.rows == table.rows else { fatalError("the written table reads back differently") }
    return 0
}
