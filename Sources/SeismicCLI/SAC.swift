// seismic sac: look inside SAC files and run the record preparation chain on them.

import ArgumentParser
import Foundation
import SeismicIO
import SeismicSignal
import SeismicTorch

extension Seismic {
    struct SAC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sac",
            abstract: "Inspect SAC files and prepare three-component records.",
            subcommands: [Info.self, Prepare.self])
    }
}

extension Seismic.SAC {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the main header values of SAC files.",
            discussion: """
                Reads the 632-byte header only (the samples are not loaded, so any size of file takes \
                the same memory); the file size must still be 632 + 4 × NPTS bytes.

                Example: seismic sac info data/ST01.HLZ.sac
                """)

        @Argument(help: "SAC files.") var files: [String]

        func run() throws {
            var failed = 0
            for path in files {
                do {
                    for line in try FileSummary.sacLines(path: path) { print(line) }
                } catch {
                    failed += 1
                    writeStandardError("error: \(error)\n")
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Detrend, taper and high-pass a three-component record; write the result as SAC.",
            discussion: """
                Reads the record that FILE belongs to (its sibling components are found by name), \
                applies the reference chain (linear detrend → Hann taper → causal Butterworth \
                high-pass) and writes three SAC files to --out with the same names. FILE may be \
                miniSEED: each contiguous segment of each channel is prepared on its own and written \
                as NET.STA.LOC.CHA.START.sac (START its first sample's UTC time) with its SEED id.

                Example: seismic sac prepare data/ST01.HLX.sac --out prepared/
                """)

        @Argument(help: "Any one component file of a SAC record, or a miniSEED file.") var file: String
        @Option(help: "Output folder (created when missing).") var out: String
        @Option(parsing: .unconditional, help: "High-pass corner in Hz.") var highpass: Double = 0.5
        @Option(parsing: .unconditional, help: "Taper fraction at each end (0–0.5).") var taper: Double = 0.05
        @Option(parsing: .unconditional, help: "Multiply samples by this factor first (0.01 turns gal into m/s²).") var scale: Double = 1

        func validate() throws {
            try checkOption("taper", taper, .atLeast(0), .atMost(0.5))
            try checkOption("highpass", highpass, .above(0))
            try checkOption("scale", scale, .not(0))
        }

        func run() throws {
            var chain = Preprocessing.reference
            chain.taperFraction = taper
            chain.highpassCornerHz = highpass
            let written: [String]
            do {
                written = try PreparedSACRecord.write(recordAt: file, scale: scale, preprocessing: chain, into: out)
            } catch let error as OutputPathError {
                throw ValidationError("\(error)")  // an output that is an input: a usage error, as every command's
            }
            for path in written { print("wrote \(path)") }
        }
    }
}
