// libFuzzer target: HDF5 file bytes → HDF5File, read as a prepared dataset is read (X, y, the
// attributes, the provenance strings). Every read either throws HDF5Error or returns values that
// match their shape. Built with SeismicIO's sources into one module by scripts/fuzz.sh; not part
// of the package. The validation of a prepared dataset (labels, rates, finite values) lives in
// SeismicTorch's PreparedDataset.load, which needs SeismicNN; it is covered by the structure-aware
// mutations of DatasetValidationTests, this target covers the layer below it.
//
// libhdf5 itself is not instrumented (the Debian build), so coverage guides only through our
// wrapper; crashes inside libhdf5 are still caught (AddressSanitizer's signal handlers and
// interceptors) and reported with libhdf5's frames.

import Foundation

/// One file per process, rewritten for each input (libhdf5 opens files by path).
private let fuzzPath = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-hdf5-\(getpid()).h5").path

private func expectShape<T>(_ values: [T], _ shape: [Int], _ name: String) {
    var count = 1
    for n in shape {
        let (p, overflow) = count.multipliedReportingOverflow(by: n)
        guard n >= 0, !overflow else { fatalError("\(name): shape \(shape)") }
        count = p
    }
    guard values.count == count else { fatalError("\(name): \(values.count) values for shape \(shape)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: fuzzPath, contents: Data(bytes: data, count: size)) else { return 0 }
    guard let f = try? HDF5File(readingAt: fuzzPath) else { return 0 }
    for name in ["X", "y", "provenance/start_time"] where f.exists(name) {
        _ = try? f.valueClass(of: name)
        if let shape = try? f.shape(of: name), let (v, s) = try? f.readFloats(name) {
            guard s == shape else { fatalError("\(name): shape \(shape) but read as \(s)") }
            expectShape(v, s, name)
            if s.count >= 1, s[0] > 0, let rows = try? f.readFloatRows(name, rows: 0..<min(s[0], 2)) {
                expectShape(rows, [min(s[0], 2)] + s.dropFirst(), name + " rows")
            }
        }
        if let (v, s) = try? f.readInt64s(name) { expectShape(v, s, name) }
        if let (v, s) = try? f.readDoubles(name) { expectShape(v, s, name) }
        if let (v, s) = try? f.readInt16s(name) { expectShape(v, s, name) }
    }
    for name in ["provenance/source", "provenance/station", "provenance/method"] where f.exists(name) {
        if let shape = try? f.shape(of: name), let strings = try? f.readStrings(name) { expectShape(strings, shape, name) }
    }
    for attribute in ["class_names", "component_order", "seed", "tool_version", "preparation"] {
        _ = try? f.stringAttribute(attribute, of: "/")
    }
    for attribute in ["sampling_rate_hz", "window_samples"] { _ = try? f.doubleAttribute(attribute, of: "/") }
    if let members = try? f.members(of: "/") {
        for m in members.prefix(8) where f.exists(m) { _ = try? f.members(of: m) }
    }
    return 0
}
