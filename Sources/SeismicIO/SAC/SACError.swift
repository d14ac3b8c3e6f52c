// SACError: why a file could not be read as binary SAC, naming the file and what was found.

/// Everything that can be wrong with a SAC file from outside. Each case names the file.
public enum SACError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case tooShort(path: String, byteCount: Int)
    case notBinarySAC(path: String, reason: String)
    case sizeMismatch(path: String, npts: Int, expectedBytes: Int, actualBytes: Int)
    case invalidNPTS(path: String, npts: Int)
    case invalidDelta(path: String, delta: Float)
    case unevenlySampled(path: String, iftype: Int32, leven: Int32)
    case cannotWrite(path: String, reason: String)
    /// Reading samples failed after the file was opened (an I/O error).
    case cannotRead(path: String, reason: String)
    /// A reference time field (NZYEAR…NZMSEC) is defined but invalid by ObsPy's rules.
    case invalidReferenceTime(path: String, SACReferenceTimeError)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): return "\(p): cannot open: \(r)"
        case .tooShort(let p, let n):
            return "\(p): \(n) bytes is shorter than a SAC header (\(SACHeader.byteCount) bytes)"
        case .notBinarySAC(let p, let r): return "\(p): not a binary SAC file: \(r)"
        case .sizeMismatch(let p, let npts, let want, let got):
            return "\(p): header says NPTS = \(npts), so the file should have \(want) bytes, but it has \(got)"
        case .invalidNPTS(let p, let n): return "\(p): NPTS = \(n); a trace needs at least one sample"
        case .invalidDelta(let p, let d): return "\(p): DELTA = \(d); the sampling interval must lie between 1 ns and 1e6 s"
        case .unevenlySampled(let p, let t, let l):
            return "\(p): not an evenly sampled time series (IFTYPE = \(t), LEVEN = \(l)); only IFTYPE = 1 with LEVEN = 1 is supported"
        case .cannotWrite(let p, let r): return "\(p): cannot write: \(r)"
        case .cannotRead(let p, let r): return "\(p): cannot read: \(r)"
        case .invalidReferenceTime(let p, let e): return "\(p): \(e)"
        }
    }
}
