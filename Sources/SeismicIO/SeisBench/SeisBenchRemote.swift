// SeisBenchRemote: the SeisBench datasets' public host, and fetching one into a local folder.

import Foundation

/// Where SeisBench publishes its datasets, and how `seismic data fetch` gets one: the layout and
/// addresses of SeisBench 0.12 (`seisbench/__init__.py`: `remote_root`, `datasets/<name>/`; a
/// `chunks` file for chunked datasets, 404 otherwise; `metadata{chunk}.csv` and
/// `waveforms{chunk}.hdf5` per chunk). The host publishes no checksums (SeisBench checks none):
/// each file's size is checked against the length the server states, and the folder is opened as
/// a dataset at the end.
public enum SeisBenchRemote {
    /// SeisBench's default repository (`default_remote_root`).
    public static let primaryRoot = URL(string: "https://hifis-storage.desy.de/Helmholtz/HelmholtzAI/SeisBench/")!
    /// SeisBench's backup repository (`backup_remote_root`, `seisbench.use_backup_repository()`).
    public static let backupRoot = URL(string: "https://seisbench.gfz.de/mirror/")!

    /// A dataset SeisBench names, with the size its documentation gives (waveforms + metadata).
    public struct KnownDataset: Sendable {
        public var name: String
        public var size: String
        public var what: String
    }

    /// The datasets SeisBench's classes download from the repository (the URL name is the class
    /// name in lower case), with their documented sizes.
    public static let known: [KnownDataset] = [
        .init(name: "ethz", size: "22 GB + 13 MB", what: "Swiss Seismological Service, local events, many channels"),
        .init(name: "geofon", size: "25.8 GB + 99 MB", what: "GEOFON teleseismic and regional picks"),
        .init(name: "instancecounts", size: "160 GB", what: "INSTANCE (Italy), counts"),
        .init(name: "instancegm", size: "310 GB", what: "INSTANCE (Italy), ground motion"),
        .init(name: "instancenoise", size: "(part of INSTANCE)", what: "INSTANCE noise traces"),
        .init(name: "iquique", size: "5 GB + 2.6 MB", what: "Iquique aftershocks (Chile)"),
        .init(name: "lendb", size: "20 GB + 218 MB", what: "LEN-DB, local earthquakes and noise, 20 Hz"),
        .init(name: "pnw", size: "62.7 GB + 47.7 MB", what: "Pacific Northwest (PNW-ML) events"),
        .init(name: "pnwaccelerometers", size: "2.1 GB + 1.7 MB", what: "PNW strong-motion records"),
        .init(name: "pnwexotic", size: "3.9 GB + 1.4 MB", what: "PNW exotic events (explosions, surface events)"),
        .init(name: "pnwnoise", size: "18 GB + 4.8 MB", what: "PNW noise"),
        .init(name: "scedc", size: "660 GB + 2.2 GB", what: "Southern California Earthquake Data Center picks"),
        .init(name: "stead", size: "70 GB + 200 MB", what: "STanford EArthquake Dataset (the reference's pre-training data)"),
        .init(name: "txed", size: "70 GB + 120 MB", what: "Texas Earthquake Dataset"),
        .init(name: "vcseis", size: "47 GB + 71 MB", what: "volcanic seismicity")
    ]

    /// `root/datasets/<name>/`.
    public static func datasetURL(root: URL, name: String) -> URL {
        root.appendingPathComponent("datasets").appendingPathComponent(name.lowercased(), isDirectory: true)
    }

    /// Where SeisBench keeps the dataset, so both tools share one copy: `$SEISBENCH_CACHE_ROOT/datasets/<name>`
    /// or `~/.seisbench/datasets/<name>`.
    public static func defaultFolder(name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let root = environment["SEISBENCH_CACHE_ROOT"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.seisbench")
        return root + "/datasets/" + name.lowercased()
    }

    /// A dataset name as SeisBench's URLs take it: letters, digits and underscores.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
    }

    /// What a fetch did, per file.
    public struct FetchReport: Sendable {
        public var chunks: [String]
        /// (file, bytes, what happened: "downloaded", "resumed from N bytes", "already there").
        public var files: [(name: String, bytes: Int64, what: String)]
        public var bytesDownloaded: Int64
    }

    /// Downloads dataset `name` from `root` into `folder` (created when missing): the chunk list,
    /// then each chunk's metadata and waveforms; a file already complete in `folder` is kept (a
    /// `.partial` one is resumed), so an interrupted fetch is run again to finish. At the end the
    /// folder is opened as a dataset (`SeisBenchDataset`, each waveforms file's `data_format`, each
    /// metadata's `trace_name` column).
    /// - Parameter progress: file name, bytes so far, the file's length when known.
    /// - Throws: `DownloadError` (the host unreachable, a status, a transfer that kept breaking off),
    ///   `SeisBenchError`/`HDF5Error`/`CSVError` when what arrived is not a dataset.
    public static func fetch(
        name: String, root: URL, to folder: String, download: HTTPDownload = HTTPDownload(),
        progress: @escaping @Sendable (String, Int64, Int64?) -> Void = { _, _, _ in }
    ) throws -> FetchReport {
        let base = datasetURL(root: root, name: name)
        var report = FetchReport(chunks: [""], files: [], bytesDownloaded: 0)
        // The chunk list first: a host that cannot be reached leaves no folder behind.
        let list = try download.body(base.appendingPathComponent("chunks"))
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw DownloadError.cannotWrite(path: folder, reason: "\(error)")
        }
        if let list {
            let names = String(decoding: list, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let bad = names.first(where: { !SeisBenchDataset.isValidChunkName($0) }) {
                throw DownloadError.unreachable(url: base.appendingPathComponent("chunks").absoluteString, reason: "it names \"\(bad)\", not a chunk name")
            }
            if !names.isEmpty {
                report.chunks = names
                do { try list.write(to: URL(fileURLWithPath: folder + "/chunks")) } catch {
                    throw DownloadError.cannotWrite(path: folder + "/chunks", reason: "\(error)")
                }
            }
        }
        for chunk in report.chunks {
            for file in [SeisBenchDataset.metadataFile(chunk), SeisBenchDataset.waveformsFile(chunk)] {
                let path = folder + "/" + file
                if FileManager.default.fileExists(atPath: path), !FileManager.default.fileExists(atPath: path + ".partial") {
                    report.files.append((file, HTTPDownload.size(of: path), "already there"))
                    continue
                }
                let outcome = try download.fetch(base.appendingPathComponent(file), to: path) { got, total in progress(file, got, total) }
                report.bytesDownloaded += outcome.bytes - outcome.resumedFrom
                report.files.append((file, outcome.bytes, outcome.resumedFrom > 0 ? "resumed from \(outcome.resumedFrom) bytes" : "downloaded"))
            }
        }
        let dataset = try SeisBenchDataset(path: folder)
        for chunk in dataset.chunks {
            _ = try SeisBenchWaveforms(path: dataset.waveformsPath(chunk))
            _ = try CSVTable(contentsOf: dataset.metadataPath(chunk), requiring: ["trace_name"])
        }
        return report
    }
}
