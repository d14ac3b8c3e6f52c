// Structure-aware fuzz tests of the SAC, safetensors and NPY readers: valid files mutated where
// their structure is (header fields set to extremes, truncation at every region boundary, tensor
// ranges duplicated or overlapped, JSON numbers turned into reals, negatives and huge values,
// random byte flips). Every case must either load, with the loaded values consistent, or throw the
// reader's typed error; a trap ends the run. Seeded: set SEISMIC_FUZZ_TRACE=1 to print every case
// before it runs, so the one that trapped is the last line printed.

import Foundation
import SeismicIO
import TestSupport
import Testing

private let traceCases = ProcessInfo.processInfo.environment["SEISMIC_FUZZ_TRACE"] != nil

/// What a reader did with one case.
private enum Outcome: Equatable {
    case refused, loaded
    case inconsistent(String)
}

/// Runs `cases` cases from `seed`: `make` builds case `n`'s bytes and a description, `check`
/// reads them. Returns how many loaded and how many were refused.
private func fuzz(
    _ format: String, seed: UInt64, cases: Int, make: (Int, inout TestRNG) -> (Data, String),
    check: (Data) -> Outcome
) -> (loaded: Int, refused: Int) {
    var rng = TestRNG(seed: seed)
    var loaded = 0, refused = 0
    for n in 0..<cases {
        let (bytes, what) = make(n, &rng)
        if traceCases { diagnostic("\(format) seed \(seed) case \(n): \(what)") }
        switch check(bytes) {
        case .loaded: loaded += 1
        case .refused: refused += 1
        case .inconsistent(let problem): Issue.record("\(format) seed \(seed) case \(n) (\(what)): \(problem)")
        }
    }
    return (loaded, refused)
}

private func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
private func le64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

private func flipBytes(_ data: inout Data, count: Int, in range: Range<Int>, _ rng: inout TestRNG) {
    guard !range.isEmpty else { return }
    for _ in 0..<count { data[data.startIndex + Int.random(in: range, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
}

// MARK: SAC

private let floatExtremes: [Float] = [
    0, -1, 1, .nan, -.nan, .infinity, -.infinity, 1e30, -1e30, .greatestFiniteMagnitude,
    .leastNonzeroMagnitude, 4e-7, 1e-12, -12345, 0.01
]
private let intExtremes: [Int32] = [0, -1, 1, .min, .max, -12345, 6, 7, 24, 60, 99, 366, 367, 1000, 10000]

/// A 40-sample component `HH<component>` at 100 Hz with a reference time: the record test's base.
private func builtSAC(_ component: String) -> SACTrace {
    var t = SACTrace(samples: (0..<40).map { Float($0) - 20 }, delta: 0.01, begin: 0.5)
    t.header.setReferenceTime(1_577_836_800.25)
    t.header.setString("kcmpnm", "HH\(component)")
    return t
}

/// Bases: a built trace in both byte orders and three fixtures.
private let sacBases: [Data] = {
    let t = builtSAC("Z")
    return [t.encoded(), t.encoded(byteOrder: .bigEndian)]
        + ["sac/test.sac", "sac/test.sac.swap", "sac/BW.RJOB..EHZ.sac"].map {
            try! Data(contentsOf: URL(fileURLWithPath: Fixtures.path($0)))
        }
}()

private func mutateSAC(_ n: Int, _ rng: inout TestRNG) -> (Data, String) {
    mutateSAC(n, &rng, bases: sacBases)
}

private func mutateSAC(_ n: Int, _ rng: inout TestRNG, bases: [Data]) -> (Data, String) {
    let baseIndex = Int.random(in: 0..<bases.count, using: &rng)
    var d = bases[baseIndex]
    let big = d[d.startIndex + 70 * 4 + 6 * 4] == 0  // NVHDR's first byte is 0 when big-endian
    func put(_ offset: Int, _ bits: UInt32) {
        let v = big ? bits.bigEndian : bits.littleEndian
        withUnsafeBytes(of: v) { d.replaceSubrange((d.startIndex + offset)..<(d.startIndex + offset + 4), with: $0) }
    }
    var what = "base \(baseIndex)"
    let kind = n % 7
    switch kind {
    case 0:  // one float header field to an extreme
        let f = Int.random(in: 0..<70, using: &rng), v = floatExtremes.randomElement(using: &rng)!
        put(4 * f, v.bitPattern)
        what += ": float \(SACHeader.floatNames[f]) = \(v)"
    case 1:  // one int header field to an extreme (NPTS, NZ*, IFTYPE, LEVEN among them)
        let i = Int.random(in: 0..<40, using: &rng), v = intExtremes.randomElement(using: &rng)!
        put(280 + 4 * i, UInt32(bitPattern: v))
        what += ": int \(SACHeader.intNames[i]) = \(v)"
    case 2:  // the fields that size and time a trace, several at once
        let delta = floatExtremes.randomElement(using: &rng)!
        put(0, delta.bitPattern)
        let fields = ["nzyear", "nzjday", "nzhour", "nzmin", "nzsec", "nzmsec"]
        let field = fields.randomElement(using: &rng)!
        let v = intExtremes.randomElement(using: &rng)!
        put(280 + 4 * SACHeader.intNames.firstIndex(of: field)!, UInt32(bitPattern: v))
        let b = floatExtremes.randomElement(using: &rng)!
        put(4 * 5, b.bitPattern)
        what += ": delta \(delta), \(field) = \(v), b = \(b)"
    case 3:  // truncate at a region boundary (header words, strings, data) or a random point
        let boundaries = [0, 4, 280, 440, 632, 636, d.count - 4, d.count - 1, d.count + 4]
        let cut = Bool.random(using: &rng) ? boundaries.randomElement(using: &rng)! : Int.random(in: 0...d.count, using: &rng)
        if cut <= d.count { d = d.prefix(cut) } else { d.append(contentsOf: [UInt8](repeating: 0, count: cut - d.count)) }
        what += ": length \(cut)"
    case 4:  // samples to NaN/inf
        let npts = (d.count - 632) / 4
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let i = Int.random(in: 0..<npts, using: &rng)
            put(632 + 4 * i, [Float.nan, .infinity, -.infinity].randomElement(using: &rng)!.bitPattern)
            what += ": sample \(i) non-finite"
        }
    case 5:  // NPTS consistent with a truncated or extended file
        let npts = Int32.random(in: -2...Int32(max(1, (d.count - 632) / 4 + 2)), using: &rng)
        put(280 + 9 * 4, UInt32(bitPattern: npts))
        what += ": npts \(npts)"
    default:  // random bytes in the header or anywhere
        let count = Int.random(in: 1...16, using: &rng)
        flipBytes(&d, count: count, in: 0..<(Bool.random(using: &rng) ? 632 : d.count), &rng)
        what += ": \(count) bytes flipped"
    }
    return (d, what)
}

/// Loads `bytes` as SAC; nil when it loaded with consistent values or threw SACError.
private func checkSAC(_ bytes: Data) -> Outcome {
    let t: SACTrace
    do { t = try SACTrace(bytes: bytes, path: "fuzz.sac") } catch { return .refused }
    if t.samples.count != t.header.npts || t.samples.isEmpty { return .inconsistent("\(t.samples.count) samples, NPTS \(t.header.npts)") }
    if !(t.samplingRateHz.isFinite && t.samplingRateHz > 0) { return .inconsistent("sampling rate \(t.samplingRateHz)") }
    if let r = t.header.referenceTime, !r.isFinite { return .inconsistent("reference time \(r)") }
    return .loaded
}

// MARK: safetensors

/// A tensor entry as the fuzzer sees it: each field as JSON text, so it can be made a real, a
/// negative, a huge number, a string or missing.
private struct FuzzTensor {
    var name: String
    var dtype: String?
    var shape: String?
    var offsets: String?
    var extra: String? = nil
    var json: String {
        var fields: [String] = []
        if let dtype { fields.append("\"dtype\":\(dtype)") }
        if let shape { fields.append("\"shape\":\(shape)") }
        if let offsets { fields.append("\"data_offsets\":\(offsets)") }
        if let extra { fields.append(extra) }
        return "\"\(name)\":{" + fields.joined(separator: ",") + "}"
    }
}

private let jsonNumberExtremes = [
    "0", "-1", "1", "3.0", "1e2", "-0", "4611686018427387904", "9223372036854775807",
    "-9223372036854775808", "18446744073709551615", "99999999999999999999", "1.5", "\"3\"", "null", "[]"
]
private let dtypeVariants = [
    "\"F32\"", "\"F64\"", "\"I64\"", "\"I32\"", "\"I16\"", "\"BF16\"", "\"F16\"", "\"U8\"", "\"\"",
    "\"f32\"", "7", "null", "[\"F32\"]"
]

private func mutateSafeTensors(_ n: Int, _ rng: inout TestRNG) -> (Data, String) {
    // A valid file: 2–4 tensors, contiguous, with metadata.
    let widths = ["\"F32\"": 4, "\"F64\"": 8, "\"I64\"": 8, "\"I32\"": 4, "\"I16\"": 2]
    var tensors: [FuzzTensor] = []
    var offset = 0
    var ranges: [(Int, Int)] = []
    for k in 0..<Int.random(in: 2...4, using: &rng) {
        let dtype = widths.keys.sorted().randomElement(using: &rng)!
        let shape = (0..<Int.random(in: 0...3, using: &rng)).map { _ in Int.random(in: 0...4, using: &rng) }
        let bytes = shape.reduce(1, *) * widths[dtype]!
        tensors.append(
            FuzzTensor(
                name: "t\(k)", dtype: dtype, shape: "[" + shape.map(String.init).joined(separator: ",") + "]",
                offsets: "[\(offset),\(offset + bytes)]"))
        ranges.append((offset, offset + bytes))
        offset += bytes
    }
    var buffer = (0..<offset).map { _ in UInt8.random(in: 0...255, using: &rng) }
    var metadata = "\"__metadata__\":{\"card\":\"{\\\"a\\\": 1}\"}"
    var headerLength: UInt64? = nil
    var what = "\(tensors.count) tensors, \(offset) bytes"
    let t = Int.random(in: 0..<tensors.count, using: &rng)
    let kind = n % 10
    switch kind {
    case 0:  // a shape element to an extreme
        let v = jsonNumberExtremes.randomElement(using: &rng)!
        tensors[t].shape = Bool.random(using: &rng) ? "[\(v)]" : "[\(v),2]"
        what += ": t\(t) shape \(tensors[t].shape!)"
    case 1:  // an offset to an extreme
        let v = jsonNumberExtremes.randomElement(using: &rng)!
        let (b, e) = ranges[t]
        tensors[t].offsets = Bool.random(using: &rng) ? "[\(v),\(e)]" : "[\(b),\(v)]"
        what += ": t\(t) offsets \(tensors[t].offsets!)"
    case 2:  // ranges duplicated, overlapped, swapped, shifted
        let other = (t + 1) % tensors.count
        let (b, e) = ranges[t], (ob, oe) = ranges[other]
        let choices = ["[\(ob),\(oe)]", "[\(b + 1),\(e + 1)]", "[\(e),\(b)]", "[\(b),\(e + 4)]", "[\(max(0, b - 2)),\(e - 2)]", "[\(b)]", "[\(b),\(e),\(e)]"]
        tensors[t].offsets = choices.randomElement(using: &rng)!
        what += ": t\(t) offsets \(tensors[t].offsets!)"
    case 3:  // dtype changed (reinterpreting the bytes must be refused unless sizes agree)
        tensors[t].dtype = dtypeVariants.randomElement(using: &rng)!
        what += ": t\(t) dtype \(tensors[t].dtype!)"
    case 4:  // a field dropped, an unknown one added, a name repeated
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: tensors[t].shape = nil; what += ": t\(t) without shape"
        case 1: tensors[t].offsets = nil; what += ": t\(t) without data_offsets"
        case 2: tensors[t].extra = "\"x\":1"; what += ": t\(t) with an extra field"
        default: tensors[t].name = tensors[(t + 1) % tensors.count].name; what += ": t\(t) renamed to a sibling"
        }
    case 5:  // metadata of other types
        metadata = [
            "\"__metadata__\":{\"k\":1}", "\"__metadata__\":[]", "\"__metadata__\":\"x\"", "\"__metadata__\":{\"k\":null}",
            "\"__metadata__\":{\"k\":\"\\ud800\"}", "\"__metadata__\":{\"k\":\"\\u00e9\"}"
        ].randomElement(using: &rng)!
        what += ": metadata \(metadata)"
    case 6:  // the header length field to an extreme
        let choices: [UInt64] = [0, 1, 2, 7, 100_000_001, 1 << 63, .max, UInt64(Int.max)]
        headerLength = choices.randomElement(using: &rng)!
        what += ": header length \(headerLength!)"
    case 7:  // the data buffer shortened or extended
        let delta = Int.random(in: -5...5, using: &rng)
        if delta < 0 { buffer.removeLast(min(-delta, buffer.count)) } else { buffer += [UInt8](repeating: 1, count: delta) }
        what += ": buffer \(delta > 0 ? "+" : "")\(delta)"
    case 8: break  // truncation and flips below
    default:  // kept valid, the header padded with spaces as writers do
        what += ": valid"
    }
    var header = Array(("{" + ([metadata] + tensors.map(\.json)).joined(separator: ",") + "}").utf8)
    if kind == 9 { header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8) }
    var d = Data(le64(headerLength ?? UInt64(header.count)) + header + buffer)
    if kind == 8 {
        let boundaries = [0, 4, 8, 9, 8 + header.count - 1, 8 + header.count] + ranges.flatMap { [8 + header.count + $0.0, 8 + header.count + $0.1] }
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            let cut = boundaries.randomElement(using: &rng)!
            if cut < d.count { d = d.prefix(cut) }
            what += ": truncated at \(cut)"
        case 1:
            let count = Int.random(in: 1...8, using: &rng)
            flipBytes(&d, count: count, in: 8..<(8 + header.count), &rng)
            what += ": \(count) header bytes flipped"
        default:
            let count = Int.random(in: 1...8, using: &rng)
            flipBytes(&d, count: count, in: 0..<d.count, &rng)
            what += ": \(count) bytes flipped"
        }
    }
    return (d, what)
}

private func checkSafeTensors(_ bytes: Data) -> Outcome {
    let f: SafeTensorsFile
    do { f = try SafeTensorsFile(data: bytes, path: "fuzz.safetensors") } catch { return .refused }
    var total = 0
    for (name, e) in f.tensors {
        var count = 1
        for n in e.shape {
            guard n >= 0 else { return .inconsistent("tensor \(name) shape \(e.shape)") }
            let (p, o) = count.multipliedReportingOverflow(by: n)
            guard !o else { return .inconsistent("tensor \(name) shape \(e.shape) overflows") }
            count = p
        }
        if e.bytes.count != count * e.dtype.byteWidth { return .inconsistent("tensor \(name): \(e.bytes.count) bytes for \(e.dtype) × \(e.shape)") }
        if e.floats.count != count { return .inconsistent("tensor \(name): \(e.floats.count) values for \(e.shape)") }
        total += e.bytes.count
    }
    let headerLength = bytes.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
    if total != bytes.count - 8 - headerLength { return .inconsistent("tensors hold \(total) bytes of a \(bytes.count - 8 - headerLength)-byte buffer") }
    return .loaded
}

// MARK: NPY

private func mutateNPY(_ n: Int, _ rng: inout TestRNG) -> (Data, String) {
    let dtypes: [(String, Int)] = [("<f4", 4), ("<f8", 8), ("<i2", 2), ("<i4", 4), ("<i8", 8), ("|u1", 1), ("|b1", 1)]
    let (descr0, width) = dtypes.randomElement(using: &rng)!
    let shape0 = (0..<Int.random(in: 0...3, using: &rng)).map { _ in Int.random(in: 0...4, using: &rng) }
    var descr = "'\(descr0)'"
    var fortran = "False"
    var shape = shape0.count == 1 ? "(\(shape0[0]),)" : "(" + shape0.map(String.init).joined(separator: ", ") + ")"
    var version: UInt8 = [1, 2, 3].randomElement(using: &rng)!
    var extraKey = ""
    var what = "descr \(descr0) shape \(shape0)"
    var data = (0..<(shape0.reduce(1, *) * width)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    var lengthOverride: UInt32? = nil
    let kind = n % 7
    switch kind {
    case 0:
        descr = ["'<c8'", "''", "'", "'>f4'", "'>u1'", "'=f4'", "'<f2'", "'<U4'", "[('a', '<f4')]", "'<f4'", "7"].randomElement(using: &rng)!
        what += ": descr \(descr)"
    case 1:
        fortran = ["True", "0", "''", "False", "Fals", "None"].randomElement(using: &rng)!
        what += ": fortran_order \(fortran)"
    case 2:
        shape = [
            "()", "(-1,)", "(4611686018427387904, 4)", "(3.0,)", ")(", "(1,,2)", "(99999999999999999999,)", "(3", "3,)",
            "((3,),)", "(9223372036854775807,)", "(2, 9223372036854775807)", "(0, 9223372036854775807)"
        ].randomElement(using: &rng)!
        what += ": shape \(shape)"
    case 3:
        version = [0, 4, 255, 1, 2].randomElement(using: &rng)!
        what += ": version \(version)"
    case 4:
        lengthOverride = [0, 1, 0xFFFF, 0xFFFF_FFFF, 0x7FFF_FFFF].randomElement(using: &rng)!
        what += ": header length \(lengthOverride!)"
    case 5:
        let delta = Int.random(in: -3...3, using: &rng)
        if delta < 0 { data.removeLast(min(-delta, data.count)) } else { data += [UInt8](repeating: 0, count: delta) }
        extraKey = Bool.random(using: &rng) ? "'shape': (1,), " : ""
        what += ": data \(delta > 0 ? "+" : "")\(delta) \(extraKey)"
    default: break
    }
    let header = Array("{'descr': \(descr), 'fortran_order': \(fortran), \(extraKey)'shape': \(shape), }\n".utf8)
    var prefix: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    if version == 1 {
        let n = lengthOverride.map { UInt16(truncatingIfNeeded: $0) } ?? UInt16(header.count)
        prefix += [UInt8(n & 0xff), UInt8(n >> 8)]
    } else {
        prefix += le32(lengthOverride ?? UInt32(header.count))
    }
    var d = Data(prefix + header + data)
    if kind == 6 {
        if Bool.random(using: &rng) {
            let boundaries = [0, 6, 8, 9, 10, 11, 12, prefix.count + header.count - 1, prefix.count + header.count, d.count - 1]
            let cut = boundaries.randomElement(using: &rng)!
            if cut >= 0, cut < d.count { d = d.prefix(cut) }
            what += ": truncated at \(cut)"
        } else {
            let count = Int.random(in: 1...8, using: &rng)
            flipBytes(&d, count: count, in: 0..<d.count, &rng)
            what += ": \(count) bytes flipped"
        }
    }
    return (d, what)
}

/// libmseed 2.19 read past records whose headers claimed more samples than they hold (the
/// fuzzer's first two miniSEED finds, a SEGV and a heap overflow inside libmseed): refused now.
private func checkMiniSEED(_ bytes: Data) -> Outcome {
    let v: MiniSEEDVolume
    do { v = try MiniSEED.read(bytes: bytes, path: "fuzz.mseed") } catch { return .refused }
    for s in v.segments where s.samples.isEmpty || !(s.samplingRateHz > 0) || !s.startTime.isFinite {
        return .inconsistent("segment \(s.id): \(s.samples.count) samples at \(s.samplingRateHz) Hz from \(s.startTime)")
    }
    return .loaded
}

private func checkNPY(_ bytes: Data) -> Outcome {
    let a: NPYArray
    do { a = try NPYArray(data: [UInt8](bytes), path: "fuzz.npy") } catch { return .refused }
    var count = 1
    for n in a.shape {
        guard n >= 0 else { return .inconsistent("shape \(a.shape)") }
        let (p, o) = count.multipliedReportingOverflow(by: n)
        guard !o else { return .inconsistent("shape \(a.shape) overflows") }
        count = p
    }
    if a.bytes.count != count * a.dtype.byteWidth { return .inconsistent("\(a.bytes.count) bytes for \(a.dtype) × \(a.shape)") }
    if a.doubles.count != count { return .inconsistent("\(a.doubles.count) values for \(a.shape)") }
    // Integers from floats: a NaN or huge float must throw, not trap (the fuzzer's first NPY find).
    if let ints = try? a.ints, ints.count != count { return .inconsistent("\(ints.count) integers for \(a.shape)") }
    return .loaded
}

/// An HDF5 file read as a prepared dataset is read (the layer `make fuzz`'s hdf5 target covers):
/// every numeric dataset reads with as many values as its shape holds, or throws.
private func checkHDF5(_ bytes: Data) -> Outcome {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID()).h5").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    guard FileManager.default.createFile(atPath: path, contents: bytes), let f = try? HDF5File(readingAt: path) else { return .refused }
    var read = false
    for name in ["X", "y", "provenance/start_time"] where f.exists(name) {
        guard let (v, shape) = try? f.readFloats(name) else { continue }
        if v.count != shape.reduce(1, *) { return .inconsistent("\(name): \(v.count) values for \(shape)") }
        if let (d, _) = try? f.readDoubles(name), d.count != v.count { return .inconsistent("\(name): \(d.count) doubles, \(v.count) floats") }
        _ = try? f.readInt64s(name)
        read = true
    }
    for name in ["provenance/source", "provenance/station"] where f.exists(name) { _ = try? f.readStrings(name) }
    _ = try? f.doubleAttribute("sampling_rate_hz", of: "/")
    return read ? .loaded : .refused
}

// MARK: The tests

@Suite(.serialized) struct ReaderFuzzTests {
    @Test func sacMutationsLoadConsistentlyOrThrow() {
        let (loaded, refused) = fuzz("SAC", seed: 12, cases: 4000, make: mutateSAC, check: checkSAC)
        // The mutations must exercise both outcomes, or they test nothing.
        diagnostic("SAC fuzz: \(loaded) loaded, \(refused) refused")
        #expect(loaded > 400 && refused > 400, "loaded \(loaded), refused \(refused)")
    }

    @Test func sacRecordsWithAMutatedComponentLoadFiniteOrThrow() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-rec-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = TestRNG(seed: 13)
        var loaded = 0
        for n in 0..<400 {
            for c in ["E", "Z"] { try builtSAC(c).write(to: "\(dir)/S.HH\(c).sac") }
            // One component mutated; the others agree with its unmutated form.
            let n0 = builtSAC("N")
            let (bytes, what) = mutateSAC(n, &rng, bases: [n0.encoded(), n0.encoded(byteOrder: .bigEndian)])
            try bytes.write(to: URL(fileURLWithPath: "\(dir)/S.HHN.sac"))
            if traceCases { diagnostic("record seed 13 case \(n): \(what)") }
            // Opened and read span by span (classify's way), the record loads exactly when it
            // loads whole, with the same samples.
            let read = try? ThreeComponentRecord.read("\(dir)/S.HHZ.sac")
            let spans = try? Self.readInSpans("\(dir)/S.HHZ.sac")
            #expect((read == nil) == (spans == nil), "record seed 13 case \(n) (\(what)): read \(read == nil ? "fails" : "loads"), spans the other")
            if let read, let spans { #expect(read.waveform == spans, "record seed 13 case \(n) (\(what))") }
            guard let (w, _, _) = read else { continue }
            loaded += 1
            let ok =
                w.samplingRateHz.isFinite && w.samplingRateHz > 0 && w.startTime.isFinite
                && w.components.allSatisfy { $0.count == w.sampleCount && $0.allSatisfy(\.isFinite) }
            #expect(ok, "record seed 13 case \(n) (\(what)): rate \(w.samplingRateHz), start \(w.startTime)")
        }
        diagnostic("SAC record fuzz: \(loaded) of 400 loaded")
        #expect(loaded > 40 && loaded < 360)
    }

    /// The record `path` belongs to, opened (`ThreeComponentRecord.open`) and read in spans of 7.
    private static func readInSpans(_ path: String) throws -> Waveform {
        let record = try ThreeComponentRecord.open(path)
        var components = [[Double]](repeating: [Double](repeating: 0, count: record.sampleCount), count: 3)
        for c in 0..<3 {
            for first in stride(from: 0, to: record.sampleCount, by: 7) {
                let span = first..<min(first + 7, record.sampleCount)
                try components[c].withUnsafeMutableBufferPointer { try record.read(component: c, span, into: UnsafeMutableBufferPointer(rebasing: $0[span])) }
            }
        }
        return Waveform(components: components, componentCodes: record.componentCodes, samplingRateHz: record.samplingRateHz, startTime: record.startTime)
    }

    @Test func safetensorsMutationsLoadConsistentlyOrThrow() {
        let (loaded, refused) = fuzz("safetensors", seed: 21, cases: 4500, make: mutateSafeTensors, check: checkSafeTensors)
        diagnostic("safetensors fuzz: \(loaded) loaded, \(refused) refused")
        #expect(loaded > 400 && refused > 2000, "loaded \(loaded), refused \(refused)")
    }

    @Test func npyMutationsLoadConsistentlyOrThrow() {
        let (loaded, refused) = fuzz("NPY", seed: 31, cases: 3500, make: mutateNPY, check: checkNPY)
        diagnostic("NPY fuzz: \(loaded) loaded, \(refused) refused")
        #expect(loaded > 300 && refused > 1000, "loaded \(loaded), refused \(refused)")
    }

    /// Inputs the coverage-guided fuzzers (`make fuzz`) found, kept as regression cases: every file
    /// under Fixtures/fuzz/<format>/ must load consistently or throw.
    @Test(arguments: ["sac", "safetensors", "npy", "hdf5", "mseed"])
    func fuzzerFindingsStayFixed(format: String) throws {
        let dir = Fixtures.path("fuzz/\(format)")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        for name in names {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)"))
            let outcome: Outcome
            switch format {
            case "sac": outcome = checkSAC(bytes)
            case "safetensors": outcome = checkSafeTensors(bytes)
            case "hdf5": outcome = checkHDF5(bytes)
            case "mseed": outcome = checkMiniSEED(bytes)
            default: outcome = checkNPY(bytes)
            }
            #expect(outcome == .loaded || outcome == .refused, "\(format)/\(name): \(outcome)")
        }
    }
}
