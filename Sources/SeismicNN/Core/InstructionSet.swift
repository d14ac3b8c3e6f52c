// InstructionSet: which compiled variant of the C kernels this process runs.

import CSeismicKernels

/// The instruction-set variant of the C kernels (`CSeismicKernels`), chosen once when the library
/// loads: the widest the CPU supports, capped by the environment variable `SEISMIC_MAX_ISA`
/// (`avx512`, `avx2` or `baseline`, as oneDNN's `ONEDNN_MAX_CPU_ISA`). Every variant computes the
/// same function; they differ in vector width and in whether multiply-adds are fused, so results
/// agree to float rounding, not bit for bit.
public enum InstructionSet: Int, CaseIterable, Sendable, CustomStringConvertible {
    case baseline = 0, avx2 = 1, avx512 = 2

    /// The variant this process runs.
    public static var active: InstructionSet { InstructionSet(rawValue: Int(sk_isa())) ?? .baseline }

    /// Whether this CPU (and this build) can run the variant.
    public var isSupported: Bool { sk_isa_supported(Int32(rawValue)) != 0 }

    public var description: String { String(cString: sk_isa_name(Int32(rawValue))) }
}
