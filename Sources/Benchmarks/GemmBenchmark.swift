// GemmBenchmark: the machine's measured ceiling for the networks' arithmetic — BLAS sgemm (OpenBLAS
// on Linux, Accelerate on Apple platforms) on one core and on every core at once — and SeismicNN's own product kernel on the networks' shapes;
// and, for the one product bound by memory (one image through SpectrogramCNN's fc1), the rate at which every core together
// reads memory, against which that product's rate is stated.

import CSeismicKernels
import Foundation
import SeismicNN

#if canImport(Accelerate)
    import Accelerate
#else
    import CBLAS
#endif

enum GemmBenchmark {
    /// The CPU's model name with its family and model numbers (/proc/cpuinfo: "AMD EPYC (family 26
    /// model 2)", which tell generations apart where the name does not), or "unknown CPU".
    static var cpuName: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ key: String) -> String? {
            info.split(separator: "\n").first { $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) == key }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard let name = field("model name") else { return "unknown CPU" }
        guard let family = field("cpu family"), let model = field("model") else { return name }
        return "\(name) (family \(family) model \(model))"
    }

    /// GFLOP/s of BLAS sgemm, one thread per call, `size`³ (2·size³ FLOP a call), on `cores`
    /// cores at once (each its own matrices): the best of 3 rounds.
    static func sgemmPeak(size: Int, cores: Int) -> Double {
        let count = size * size
        let matrices = (0..<cores).map { c in
            (
                a: Buffer<Float>(repeating: 0.5 + Float(c), count: count), b: Buffer<Float>(repeating: 0.25, count: count),
                c: Buffer<Float>(repeating: 0, count: count)
            )
        }
        let calls = max(2, Int(4e9 / (2 * Double(count * size))))
        let seconds = NNBenchmark.time(iterations: 1, rounds: 3) {
            Parallel.forEachChunk(cores, chunks: cores) { core, _ in
                let m = matrices[core]
                for _ in 0..<calls {
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size), 1, m.a.pointer,
                        Int32(size), m.b.pointer, Int32(size), 0, m.c.pointer, Int32(size))
                }
            }
        }
        return 2 * Double(count * size) * Double(calls * cores) / seconds / 1e9
    }

    /// GFLOP/s of `sk_gemm_bias` (the product of every convolution), rows × k · k × o, on `cores`
    /// cores at once (each its own matrices): the best of 3 rounds. Where BLAS runs narrower kernels
    /// than ours (OpenBLAS's Haswell kernels on an AVX-512 machine), this, not sgemm, is the ceiling.
    static func kernelRate(rows: Int, k: Int, o: Int, cores: Int = 1) -> Double {
        let operands = (0..<cores).map { _ in
            (
                a: Buffer<Float>(repeating: 0.5, count: rows * k), b: Buffer<Float>(repeating: 0.25, count: k * o),
                bias: Buffer<Float>(repeating: 0, count: o), out: Buffer<Float>(count: rows * o)
            )
        }
        let flop = 2 * Double(rows * k * o)
        let calls = max(2, Int(2e9 / flop))
        let seconds = NNBenchmark.time(iterations: 1, rounds: 3) {
            Parallel.forEachChunk(cores, chunks: cores) { core, _ in
                let m = operands[core]
                for _ in 0..<calls { sk_gemm_bias(m.a.pointer, rows, k, m.b.pointer, o, m.bias.pointer, m.out.pointer) }
            }
        }
        return flop * Double(calls * cores) / seconds / 1e9
    }

    /// GB/s at which `cores` cores together read memory, and at which `sk_gemv_bias` reads the
    /// weights of one row through a rows × k weight (SpectrogramCNN's fc1: 1280 × 32640, 167 MB), its
    /// rows split across the cores as `Linear` splits them. The read takes as many floats as the
    /// weights (far more than the caches hold; the same size keeps the same share in a last-level
    /// cache that retains part of a buffer streamed again: 256 MB read 6–17 % slower than 167 MB on
    /// Zen 5's 32 MB L3), each core its share as four concurrent streams (its quarters, summed into
    /// 16-lane sums), as sk_gemv_bias streams four rows at a time (one stream a core, BLAS sasum's
    /// or ours, read slower than the product). A shared host's memory moved between 37 and 72 GB/s
    /// within seconds on Zen 5, so the two alternate, a read then a product, 9 times: each the fastest
    /// of its 9, both having met the same spells of load.
    static func readAndGemvRates(rows: Int, k: Int, cores: Int) -> (read: Double, gemv: Double) {
        let count = rows * k, blocks = count / 16  // 16 floats each
        let data = Buffer<Float>(repeating: 1, count: blocks * 16), sums = Buffer<Float>(repeating: 0, count: cores)
        let w = Buffer<Float>(repeating: 0.5, count: count), x = Buffer<Float>(repeating: 0.25, count: k)
        let bias = Buffer<Float>(repeating: 0, count: rows), y = Buffer<Float>(count: rows)
        let readOnce = {
            Parallel.forEachChunk(blocks, chunks: cores) { core, r in
                let base = UnsafeRawPointer(data.pointer + r.lowerBound * 16), quarter = r.count / 4
                var (s0, s1, s2, s3) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
                for block in 0..<quarter {
                    let p = base + block * 64
                    s0 += p.loadUnaligned(as: SIMD16<Float>.self)
                    s1 += p.loadUnaligned(fromByteOffset: quarter * 64, as: SIMD16<Float>.self)
                    s2 += p.loadUnaligned(fromByteOffset: 2 * quarter * 64, as: SIMD16<Float>.self)
                    s3 += p.loadUnaligned(fromByteOffset: 3 * quarter * 64, as: SIMD16<Float>.self)
                }
                for block in 4 * quarter..<r.count { s0 += (base + block * 64).loadUnaligned(as: SIMD16<Float>.self) }
                sums.pointer[core] = (s0 + s1 + s2 + s3).sum()
            }
        }
        let gemvOnce = {
            Parallel.forEachChunk(rows, chunks: cores) { _, r in
                sk_gemv_bias(
                    w.pointer + r.lowerBound * k, r.count, k, x.pointer, 1, bias.pointer + r.lowerBound, y.pointer + r.lowerBound,
                    rows)
            }
        }
        var (read, gemv) = (Double.infinity, Double.infinity)
        for _ in 0..<9 {
            read = min(read, NNBenchmark.time(iterations: 1, rounds: 1, readOnce))
            gemv = min(gemv, NNBenchmark.time(iterations: 1, rounds: 1, gemvOnce))
        }
        return (Double(blocks * 64) / read / 1e9, Double(count * 4) / gemv / 1e9)
    }

    static func run() {
        let cores = Parallel.machineWorkers
        let widest = InstructionSet.allCases.last { $0.isSupported } ?? .baseline
        print(column("machine", 16) + " \(cpuName), \(cores) cores; kernels \(InstructionSet.active) (widest this CPU runs: \(widest))")
        let line = { (who: String, what: String, value: Double) in
            print(column(who, 16) + " " + column(what, 26) + String(format: " %14.1f GFLOP/s", value))
        }
        line("sgemm peak", "BLAS 1536³, 1 core", sgemmPeak(size: 1536, cores: 1))
        line("sgemm peak", "BLAS 1536³, \(cores) cores", sgemmPeak(size: 1536, cores: cores))
        // The convolutions' products: SpectrogramCNN conv2 (a 64-sample group of im2col rows) and
        // EarthquakeCNN conv3's shape.
        line("sk_gemm_bias", "4096×432×96, 1 core", kernelRate(rows: 4096, k: 432, o: 96))
        line("sk_gemm_bias", "2048×96×64, 1 core", kernelRate(rows: 2048, k: 96, o: 64))
        line("sk_gemm_bias", "4096×432×96, \(cores) cores", kernelRate(rows: 4096, k: 432, o: 96, cores: cores))
        let (read, gemv) = readAndGemvRates(rows: 1280, k: 32640, cores: cores)
        print(column("memory read", 16) + " " + column("167 MB, \(cores) cores", 26) + String(format: " %14.1f GB/s", read))
        print(
            column("sk_gemv_bias", 16) + " " + column("1280×32640 (fc1), \(cores) cores", 26)
                + String(format: " %14.1f GB/s  (%.0f %% of the read rate)", gemv, 100 * gemv / read))
    }
}
