// seismic info: what seismic files hold — miniSEED channels, segments and gaps, SAC headers.

import ArgumentParser
import Foundation
import SeismicIO

extension Seismic {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what seismic files hold: miniSEED channels, segments and gaps; SAC header values.",
            discussion: """
                Each file is told apart by its content, not its name. miniSEED 2: the records and their \
                encodings, one line per contiguous segment (SEED id NET.STA.LOC.CHA, sampling rate, \
                first and last sample in UTC, samples), then every gap and overlap between a channel's \
                segments (where classify splits records), and the bytes skipped as corrupt records \
                (each run with its byte range and the reason; their samples are missing, and classify \
                skips them too). SAC: the main header values (as seismic sac \
                info). A file of another format is named by what it looks like (miniSEED 3, StationXML, \
                SEG-Y, …); the exit status is 1 when any file could not be read.

                Example: seismic info archive/2019/CI/PASC/HHZ.D/CI.PASC..HHZ.D.2019.187
                """)

        @Argument(help: "miniSEED or SAC files.") var files: [String]

        func run() throws {
            var failed = 0
            for path in files {
                do {
                    for line in try FileSummary.lines(for: path) { print(line) }
                } catch {
                    failed += 1
                    printFailure(path, "\(error)")
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
