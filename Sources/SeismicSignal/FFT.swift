// FFT: complex discrete Fourier transforms of any length through KissFFT.

import CKissFFT

/// A KissFFT plan for one length and direction. Unnormalised, as KissFFT: a forward then an
/// inverse transform multiplies by `count`. Not thread-safe to share while in use; make one per task.
public final class FFTPlan {
    public let count: Int
    public let inverse: Bool
    private let config: kiss_fft_cfg
    private var input: [kiss_fft_cpx]
    private var output: [kiss_fft_cpx]

    public init(count: Int, inverse: Bool = false) {
        precondition(count > 0, "FFT length must be positive, got \(count)")
        self.count = count
        self.inverse = inverse
        guard let cfg = kiss_fft_alloc(Int32(count), inverse ? 1 : 0, nil, nil) else {
            preconditionFailure("kiss_fft_alloc(\(count)) failed")
        }
        config = cfg
        input = [kiss_fft_cpx](repeating: kiss_fft_cpx(r: 0, i: 0), count: count)
        output = input
    }

    deinit { seismic_kiss_free(UnsafeMutableRawPointer(config)) }

    /// Transforms (re, im) pairs; returns the spectrum as (re, im) arrays.
    public func transform(real: [Double], imaginary: [Double]? = nil) -> (real: [Double], imaginary: [Double]) {
        precondition(real.count == count && (imaginary?.count ?? count) == count, "length must be \(count)")
        for k in 0..<count {
            input[k] = kiss_fft_cpx(r: Float(real[k]), i: Float(imaginary?[k] ?? 0))
        }
        kiss_fft(config, input, &output)
        return (output.map { Double($0.r) }, output.map { Double($0.i) })
    }
}
