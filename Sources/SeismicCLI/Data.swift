// seismic data: getting SeisBench datasets from SeisBench's public host.

import ArgumentParser
import Foundation
import SeismicIO

extension Seismic {
    struct DataCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "data",
            abstract: "Get datasets: SeisBench's public datasets, downloaded with resume.",
            subcommands: [Fetch.self, List.self])
    }
}

extension Seismic.DataCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the SeisBench datasets known by name, with their documented sizes (name first).",
            discussion: """
                A name in the first column is what seismic data fetch takes.

                Examples:
                  seismic data list
                  seismic data fetch ethz --to data/ethz
                """)

        func run() throws {
            let width = SeisBenchRemote.known.map(\.name.count).max() ?? 0
            for d in SeisBenchRemote.known {
                print(
                    d.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + d.size.padding(toLength: 18, withPad: " ", startingAt: 0) + "  "
                        + d.what)
            }
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a SeisBench dataset (metadata.csv + waveforms.hdf5, or its chunks) from SeisBench's host.",
            discussion: """
                Downloads NAME from the repository SeisBench itself uses \
                (https://hifis-storage.desy.de/Helmholtz/HelmholtzAI/SeisBench/datasets/NAME/; \
                --mirror backup: https://seisbench.gfz.de/mirror/) into --to, by default where \
                SeisBench keeps it ($SEISBENCH_CACHE_ROOT or ~/.seisbench, then datasets/NAME), so \
                SeisBench and seismic share one copy. Chunked datasets (a chunks file on the host) \
                come chunk by chunk.

                Each file is written to FILE.partial and renamed when its size equals the length the \
                server states; an interrupted transfer is retried (3 times, resuming), and running \
                the command again resumes what is left (files already complete are kept). The host \
                publishes no checksums (SeisBench checks none either): sizes are checked, and the \
                folder is opened as a dataset at the end. Offline, a name that does not resolve or a \
                stalled server give an error naming the address (a proxy is taken from https_proxy).

                Sizes (waveforms + metadata, as SeisBench documents them): seismic data list. \
                STEAD is about 70 GB, ETHZ 22 GB, PNW accelerometers 2.1 GB.

                Examples:
                  seismic data fetch ethz
                  seismic data fetch pnwaccelerometers --to data/pnw-acc
                  seismic prep seisbench --path ~/.seisbench/datasets/ethz --out data/ethz
                """)

        @Argument(help: "Dataset name as SeisBench's URL has it (lower case: stead, ethz, pnw, …; seismic data list).") var name: String
        @Option(help: "Folder to write (default: $SEISBENCH_CACHE_ROOT/datasets/NAME or ~/.seisbench/datasets/NAME).") var to: String?
        @Option(help: "primary (SeisBench's default host), backup (its mirror) or a base URL ending in /.") var mirror: String = "primary"
        @Option(parsing: .unconditional, help: "Seconds to wait for the next bytes before a transfer counts as stalled.") var timeout: Double = 60

        func validate() throws {
            guard SeisBenchRemote.isValidName(name) else {
                throw ValidationError("\(name) is not a dataset name (letters, digits and _, as SeisBench's URLs: seismic data list)")
            }
            _ = try root()
            try checkOption("timeout", timeout, .above(0), .atMost(3600))
        }

        func root() throws -> URL {
            switch mirror {
            case "primary": return SeisBenchRemote.primaryRoot
            case "backup": return SeisBenchRemote.backupRoot
            default:
                guard let url = URL(string: mirror), ["http", "https"].contains(url.scheme ?? ""), mirror.hasSuffix("/") else {
                    throw ValidationError("--mirror \(mirror): give primary, backup or an http(s) URL ending in /")
                }
                return url
            }
        }

        func run() throws {
            let folder = to ?? SeisBenchRemote.defaultFolder(name: name)
            if !SeisBenchRemote.known.contains(where: { $0.name == name.lowercased() }) {
                writeStandardError("note: \(name) is not among the datasets seismic knows by name (seismic data list); trying the host anyway\n")
            }
            var download = HTTPDownload()
            download.idleTimeout = timeout
            let t0 = Date()
            let bars = ProgressBars()
            let report = try SeisBenchRemote.fetch(name: name, root: try root(), to: folder, download: download) { file, got, total in
                bars.update(file, got, total)
            }
            var rows: [(String, String)] = report.files.map { ($0.name, "\(Self.megabytes($0.bytes)) — \($0.what)") }
            rows.append(("chunks", report.chunks == [""] ? "none (one metadata.csv + waveforms.hdf5)" : report.chunks.joined(separator: ", ")))
            rows.append(("downloaded", "\(Self.megabytes(report.bytesDownloaded)) in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s"))
            rows.append(("checked", "sizes as the server stated (the host publishes no checksums); opened as a SeisBench dataset"))
            rows.append(("next", "seismic prep seisbench --path \(folder) --out DIR"))
            printSummary("fetched \(name) into \(folder)", rows)
        }

        static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
    }
}

/// One progress bar per file, in megabytes.
private final class ProgressBars: @unchecked Sendable {
    private var bars: [String: Progress] = [:]
    private let lock = NSLock()

    func update(_ file: String, _ got: Int64, _ total: Int64?) {
        lock.lock()
        defer { lock.unlock() }
        let bar = bars[file] ?? Progress("\(file):", unit: "MB")
        bars[file] = bar
        bar.update(Int(got / 1_000_000), of: Int((total ?? got) / 1_000_000))
    }
}
