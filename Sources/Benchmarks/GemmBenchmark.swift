// GemmBenchmark: the machine's measured ceiling for the networks' arithmetic — BLAS sgemm (OpenBLAS
// on Linux, Accelerate on Apple platforms) on one core and on every core at once — and SeismicNN's own product kernel on the networks' shapes.

import CSeismicKernels
import Foundation
import SeismicNN

#if canImport(Accelerate)
    import Accelerate
#else
    import CBLAS
#endif

enum GemmBenchmark {
    /// The CPU's model name (/proc/cpuinfo), or "unknown CPU".
    static var cpuName: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? "unknown CPU"
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

    /// GFLOP/s of `sk_gemm_bias` (the product of every convolution) on one core, rows × k · k × o.
    static func kernelRate(rows: Int, k: Int, o: Int) -> Double {
        let a = Buffer<Float>(repeating: 0.5, count: rows * k), b = Buffer<Float>(repeating: 0.25, count: k * o)
        let bias = Buffer<Float>(repeating: 0, count: o), out = Buffer<Float>(count: rows * o)
        let flop = 2 * Double(rows * k * o)
        let calls = max(2, Int(2e9 / flop))
        let seconds = NNBenchmark.time(iterations: calls) { sk_gemm_bias(a.pointer, rows, k, b.pointer, o, bias.pointer, out.pointer) }
        return flop / seconds / 1e9
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
    }
}
