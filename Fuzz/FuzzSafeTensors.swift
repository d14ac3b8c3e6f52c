// libFuzzer target: safetensors bytes → SafeTensorsFile; a loaded file's tensors must match their shapes.
// Built with SeismicIO's sources into one module by scripts/fuzz.sh; not part of the package.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let f = try? SafeTensorsFile(data: bytes, path: "fuzz.safetensors") else { return 0 }
    var total = 0
    for (name, e) in f.tensors {
        var count = 1
        for n in e.shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: n)
            guard n >= 0, !overflow else { fatalError("tensor \(name): shape \(e.shape)") }
            count = p
        }
        guard e.bytes.count == count * e.dtype.byteWidth, e.floats.count == count else { fatalError("tensor \(name): bytes do not match its shape") }
        total += e.bytes.count
    }
    let headerLength = bytes.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
    guard total == size - 8 - headerLength else { fatalError("tensors hold \(total) bytes of the data buffer") }
    return 0
}
