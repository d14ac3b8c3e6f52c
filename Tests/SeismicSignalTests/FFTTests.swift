// FFT plans against the discrete Fourier transform computed directly in double precision: the
// KissFFT path and the Bluestein path (lengths with a large prime factor) within a stated bound.

import Foundation
import SeismicSignal
import TestSupport
import Testing

@Suite struct FFTTests {
    /// X_k = Σ_j x_j exp(∓2πi jk/n), in Double with exact angles (jk mod n in integers).
    private func dft(_ re: [Double], _ im: [Double], inverse: Bool) -> (re: [Double], im: [Double]) {
        let n = re.count
        var outR = [Double](repeating: 0, count: n), outI = outR
        let sign = inverse ? 1.0 : -1.0
        let cosT = (0..<n).map { cos(2 * Double.pi * Double($0) / Double(n)) }
        let sinT = (0..<n).map { sign * sin(2 * Double.pi * Double($0) / Double(n)) }
        for k in 0..<n {
            var sr = 0.0, si = 0.0
            for j in 0..<n {
                let t = (j * k) % n
                sr += re[j] * cosT[t] - im[j] * sinT[t]
                si += re[j] * sinT[t] + im[j] * cosT[t]
            }
            outR[k] = sr
            outI[k] = si
        }
        return (outR, outI)
    }

    /// Both paths, forward and inverse, on random complex input of prime, composite and
    /// power-of-two lengths. Bound: the transforms run in float32 (KissFFT), each of the ≤ log2(m)
    /// stages of a length-m transform adds at most about 2 ulps (2 × 2⁻²⁴) relative to the largest
    /// possible value Σ|x_j|, and Bluestein chains three such transforms and two chirp products:
    /// |X̂_k − X_k| ≤ 8 · log2(m) · 2⁻²⁴ · Σ|x_j| with m the longest transform used.
    @Test(arguments: [97, 1009, 1024, 2 * 3 * 5 * 7 * 11, 4099])
    func plansMatchTheDirectTransform(n: Int) {
        var rng = TestRNG(seed: UInt64(n))
        let re: [Double] = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
        let im: [Double] = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
        var l1 = 0.0
        for j in 0..<n { l1 += (re[j] * re[j] + im[j] * im[j]).squareRoot() }
        var m = 1
        while m < 2 * n - 1 { m *= 2 }
        let bound = 8 * log2(Double(m)) * pow(2, -24) * l1
        for inverse in [false, true] {
            let exact = dft(re, im, inverse: inverse)
            for bluestein in [false, true] {
                let (r, i) = FFTPlan(count: n, inverse: inverse, bluestein: bluestein).transform(real: re, imaginary: im)
                var err = 0.0
                for k in 0..<n {
                    let dr = r[k] - exact.re[k], di = i[k] - exact.im[k]
                    err = max(err, (dr * dr + di * di).squareRoot())
                }
                #expect(err <= bound, "n \(n), inverse \(inverse), bluestein \(bluestein): error \(err), bound \(bound)")
            }
        }
    }

    /// The automatic choice: Bluestein exactly when a prime factor exceeds the direct limit.
    @Test func aLargePrimeFactorChoosesBluestein() {
        #expect(FFTPlan.largestDirectPrime == 100)
        for (n, bluestein) in [(9001, true), (18002, true), (2 * 101, true), (97 * 89, false), (4096, false), (1, false)] {
            #expect(FFTPlan(count: n).usesBluestein == bluestein, "\(n)")
        }
    }
}
