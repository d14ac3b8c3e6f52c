// FFT: complex discrete Fourier transforms of any length through KissFFT (Bluestein's algorithm
// for lengths with a large prime factor).

import CKissFFT
import Foundation

/// A plan for one length and direction. Unnormalised, as KissFFT: a forward then an inverse
/// transform multiplies by `count`. Lengths whose largest prime factor is at most
/// `largestDirectPrime` run through KissFFT directly; others (9001 samples, say) through Bluestein's
/// chirp-z algorithm on power-of-two KissFFT transforms — KissFFT's generic butterfly costs n × p
/// for a prime factor p (quadratic for a prime length), Bluestein about 3 transforms of the next
/// power of two ≥ 2n − 1. Not thread-safe to share while in use; make one per task.
public final class FFTPlan {
    public let count: Int
    public let inverse: Bool
    /// KissFFT runs lengths whose prime factors are all at most this directly.
    public static let largestDirectPrime = 100
    private let kiss: KissPlan?
    private let chirp: BluesteinPlan?
    /// Whether this plan runs Bluestein's algorithm (else KissFFT directly).
    public var usesBluestein: Bool { chirp != nil }

    /// - Parameter bluestein: nil chooses by `largestDirectPrime`; true or false forces a path (tests).
    public init(count: Int, inverse: Bool = false, bluestein: Bool? = nil) {
        precondition(count > 0, "FFT length must be positive, got \(count)")
        self.count = count
        self.inverse = inverse
        if bluestein ?? (Self.largestPrimeFactor(count) > Self.largestDirectPrime) {
            kiss = nil
            chirp = BluesteinPlan(count: count, inverse: inverse)
        } else {
            kiss = KissPlan(count: count, inverse: inverse)
            chirp = nil
        }
    }

    /// Transforms (re, im) pairs; returns the spectrum as (re, im) arrays.
    public func transform(real: [Double], imaginary: [Double]? = nil) -> (real: [Double], imaginary: [Double]) {
        precondition(real.count == count && (imaginary?.count ?? count) == count, "length must be \(count)")
        if let chirp { return chirp.transform(real: real, imaginary: imaginary ?? [Double](repeating: 0, count: count)) }
        return kiss!.transform(real: real, imaginary: imaginary)
    }

    /// The smallest length ≥ `n` (≥ 1) whose prime factors are 2, 3 and 5 only, which KissFFT
    /// transforms fastest (as scipy.fft.next_fast_len for real transforms, without 7 and 11).
    public static func fastLength(atLeast n: Int) -> Int {
        var m = max(n, 1)
        while true {
            var r = m
            for p in [2, 3, 5] { while r % p == 0 { r /= p } }
            if r == 1 { return m }
            m += 1
        }
    }

    static func largestPrimeFactor(_ n: Int) -> Int {
        var n = n, p = 2, largest = 1
        while p * p <= n {
            while n % p == 0 {
                largest = p
                n /= p
            }
            p += 1
        }
        return max(largest, n)
    }
}

/// KissFFT for one length and direction (float32 inside).
final class KissPlan {
    let count: Int
    private let config: kiss_fft_cfg
    /// KissFFT's input and output, reused by every call (raw storage: no copy-on-write or
    /// exclusivity checks per element).
    private let input: UnsafeMutablePointer<kiss_fft_cpx>, output: UnsafeMutablePointer<kiss_fft_cpx>

    init(count: Int, inverse: Bool) {
        self.count = count
        guard let cfg = kiss_fft_alloc(Int32(count), inverse ? 1 : 0, nil, nil) else {
            preconditionFailure("kiss_fft_alloc(\(count)) failed")
        }
        config = cfg
        input = .allocate(capacity: count)
        input.initialize(repeating: kiss_fft_cpx(r: 0, i: 0), count: count)
        output = .allocate(capacity: count)
        output.initialize(repeating: kiss_fft_cpx(r: 0, i: 0), count: count)
    }

    deinit {
        seismic_kiss_free(UnsafeMutableRawPointer(config))
        input.deallocate()
        output.deallocate()
    }

    func transform(real: [Double], imaginary: [Double]?) -> (real: [Double], imaginary: [Double]) {
        let n = count
        real.withUnsafeBufferPointer { re in
            if let imaginary {
                imaginary.withUnsafeBufferPointer { im in
                    for k in 0..<n { input[k] = kiss_fft_cpx(r: Float(re[k]), i: Float(im[k])) }
                }
            } else {
                for k in 0..<n { input[k] = kiss_fft_cpx(r: Float(re[k]), i: 0) }
            }
        }
        kiss_fft(config, input, output)
        let out = output
        return (
            [Double](unsafeUninitializedCapacity: n) { b, c in
                for k in 0..<n { b[k] = Double(out[k].r) }
                c = n
            },
            [Double](unsafeUninitializedCapacity: n) { b, c in
                for k in 0..<n { b[k] = Double(out[k].i) }
                c = n
            }
        )
    }
}

/// Bluestein's algorithm: X_k = c_k Σ_j (x_j c_j) conj(c_{k−j}) with the chirp c_j = exp(∓iπ j²/n)
/// (− forward, + inverse), the sum a circular convolution of length m (a power of two ≥ 2n − 1)
/// done with KissFFT. The chirp's angles use j² mod 2n in integers, so they stay exact for any n.
final class BluesteinPlan {
    let count: Int
    private let m: Int
    private let chirpRe: [Double], chirpIm: [Double]
    /// FFT of the convolution kernel conj(c), wrapped to length m.
    private let kernelRe: [Double], kernelIm: [Double]
    private let forward: KissPlan, backward: KissPlan

    init(count n: Int, inverse: Bool) {
        count = n
        var m = 1
        while m < 2 * n - 1 { m *= 2 }
        self.m = m
        let sign = inverse ? 1.0 : -1.0
        var re = [Double](repeating: 0, count: n), im = re
        for j in 0..<n {
            let r = (j * j) % (2 * n)  // j < n ≤ 2^31 on 64-bit: no overflow
            let angle = sign * Double.pi * Double(r) / Double(n)
            re[j] = cos(angle)
            im[j] = sin(angle)
        }
        chirpRe = re
        chirpIm = im
        forward = KissPlan(count: m, inverse: false)
        backward = KissPlan(count: m, inverse: true)
        var br = [Double](repeating: 0, count: m), bi = br
        for j in 0..<n {
            br[j] = re[j]
            bi[j] = -im[j]
            if j > 0 {
                br[m - j] = re[j]
                bi[m - j] = -im[j]
            }
        }
        (kernelRe, kernelIm) = forward.transform(real: br, imaginary: bi)
    }

    func transform(real: [Double], imaginary: [Double]) -> (real: [Double], imaginary: [Double]) {
        var ar = [Double](repeating: 0, count: m), ai = ar
        for j in 0..<count {
            ar[j] = real[j] * chirpRe[j] - imaginary[j] * chirpIm[j]
            ai[j] = real[j] * chirpIm[j] + imaginary[j] * chirpRe[j]
        }
        let (fr, fi) = forward.transform(real: ar, imaginary: ai)
        var pr = [Double](repeating: 0, count: m), pi = pr
        for k in 0..<m {
            pr[k] = fr[k] * kernelRe[k] - fi[k] * kernelIm[k]
            pi[k] = fr[k] * kernelIm[k] + fi[k] * kernelRe[k]
        }
        let (cr, ci) = backward.transform(real: pr, imaginary: pi)
        let scale = 1 / Double(m)
        var outR = [Double](repeating: 0, count: count), outI = outR
        for k in 0..<count {
            let r = cr[k] * scale, i = ci[k] * scale
            outR[k] = r * chirpRe[k] - i * chirpIm[k]
            outI[k] = r * chirpIm[k] + i * chirpRe[k]
        }
        return (outR, outI)
    }
}
