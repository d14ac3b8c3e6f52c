// libFuzzer target: .npy bytes → NPYArray; a loaded array's bytes must match its shape and dtype.
// Built with SeismicIO's sources into one module by scripts/fuzz.sh; not part of the package.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let a = try? NPYArray(data: Array(UnsafeBufferPointer(start: data, count: size)), path: "fuzz.npy") else { return 0 }
    var count = 1
    for n in a.shape {
        let (p, overflow) = count.multipliedReportingOverflow(by: n)
        guard n >= 0, !overflow else { fatalError("shape \(a.shape)") }
        count = p
    }
    guard a.bytes.count == count * a.dtype.byteWidth, a.doubles.count == count else { fatalError("bytes do not match the shape") }
    _ = try? a.ints
    return 0
}
