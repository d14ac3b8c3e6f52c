// Fetching a SeisBench dataset over HTTP from a server on 127.0.0.1 that serves the fixture
// datasets (TestSupport's LocalHTTPServer, SwiftNIO): plain and chunked layouts arrive byte for
// byte; a transfer cut mid-file resumes with a Range request; a server that ignores Range, answers
// an error or never answers, and a host that cannot be reached, give clear errors and no file
// that looks complete.

import Foundation
import SeismicIO
import TestSupport
import Testing

@Suite(.serialized) struct SeisBenchFetchTests {
    /// A served folder `datasets/<name>/` holding a copy of the fixture dataset `fixture`.
    private func serve(_ fixture: String, as name: String) throws -> (LocalHTTPServer, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sb-host-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root + "/datasets", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("seisbench/\(fixture)"), toPath: root + "/datasets/\(name)")
        return (try LocalHTTPServer(root: root), root)
    }

    private func temporaryFolder() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("sb-fetch-\(UUID())").path }

    private func quick() -> HTTPDownload {
        var d = HTTPDownload()
        d.idleTimeout = 5
        d.retryDelay = 0.05
        return d
    }

    private func sameFiles(_ a: String, _ b: String, _ names: [String]) -> Bool {
        names.allSatisfy { FileManager.default.contents(atPath: a + "/" + $0) == FileManager.default.contents(atPath: b + "/" + $0) }
    }

    @Test func plainAndChunkedDatasetsArriveByteForByte() throws {
        for (fixture, files) in [
            ("plain", ["metadata.csv", "waveforms.hdf5"]),
            ("chunked", ["chunks", "metadata_2010.csv", "waveforms_2010.hdf5", "metadata_2014.csv", "waveforms_2014.hdf5"])
        ] {
            let (server, root) = try serve(fixture, as: "tiny")
            defer {
                server.shutdown()
                try? FileManager.default.removeItem(atPath: root)
            }
            let folder = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let report = try SeisBenchRemote.fetch(name: "tiny", root: server.url, to: folder, download: quick())
            #expect(sameFiles(folder, root + "/datasets/tiny", files), "\(fixture)")
            #expect(report.files.allSatisfy { $0.what == "downloaded" })
            #expect(try SeisBenchDataset(path: folder).chunks == (fixture == "plain" ? [""] : ["_2010", "_2014"]))
            // A second fetch keeps what is complete and downloads nothing.
            let again = try SeisBenchRemote.fetch(name: "tiny", root: server.url, to: folder, download: quick())
            #expect(again.bytesDownloaded == 0 && again.files.allSatisfy { $0.what == "already there" })
        }
    }

    /// The waveforms' first answer is cut after 100,000 bytes: the download resumes with
    /// `Range: bytes=100000-` and the file equals the served one.
    @Test func aCutTransferResumesWhereItStopped() throws {
        let (server, root) = try serve("plain", as: "tiny")
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        server.setBehaviour(.cutOnceAfter(bytes: 100_000), for: "datasets/tiny/waveforms.hdf5")
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let report = try SeisBenchRemote.fetch(name: "tiny", root: server.url, to: folder, download: quick())
        #expect(sameFiles(folder, root + "/datasets/tiny", ["metadata.csv", "waveforms.hdf5"]))
        let asked = server.requests.filter { $0.path == "datasets/tiny/waveforms.hdf5" }.map(\.range)
        #expect(asked == [nil, "bytes=100000-"])
        #expect(
            report.bytesDownloaded
                == Int64(
                    FileManager.default.contents(atPath: folder + "/waveforms.hdf5")!.count
                        + FileManager.default.contents(atPath: folder + "/metadata.csv")!.count))
        #expect(!FileManager.default.fileExists(atPath: folder + "/waveforms.hdf5.partial"))
    }

    /// A partial file from an earlier run is resumed; a server that ignores Range sends the whole
    /// file, which replaces the partial (never appended to it).
    @Test func anEarlierPartialFileIsResumedOrReplaced() throws {
        let (server, root) = try serve("plain", as: "tiny")
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: root + "/datasets/tiny/waveforms.hdf5"))
        for ignoring in [false, true] {
            if ignoring { server.setBehaviour(.ignoreRange, for: "datasets/tiny/waveforms.hdf5") }
            let folder = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try whole.prefix(12_345).write(to: URL(fileURLWithPath: folder + "/waveforms.hdf5.partial"))
            let report = try SeisBenchRemote.fetch(name: "tiny", root: server.url, to: folder, download: quick())
            #expect(FileManager.default.contents(atPath: folder + "/waveforms.hdf5") == whole, "ignoring Range: \(ignoring)")
            let entry = try #require(report.files.first { $0.name == "waveforms.hdf5" })
            #expect(entry.what == (ignoring ? "downloaded" : "resumed from 12345 bytes"))
        }
    }

    /// A partial file that already holds the whole file is renamed (the server answers 416 with
    /// its size); one longer than the file (stale) is dropped and the file fetched anew.
    @Test func aWholeOrStalePartialFileIsFinishedOrReplaced() throws {
        let (server, root) = try serve("plain", as: "tiny")
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: root + "/datasets/tiny/waveforms.hdf5"))
        for (partial, what) in [(whole, "resumed from \(whole.count) bytes"), (whole + Data(repeating: 7, count: 100), "downloaded")] {
            let folder = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try partial.write(to: URL(fileURLWithPath: folder + "/waveforms.hdf5.partial"))
            let report = try SeisBenchRemote.fetch(name: "tiny", root: server.url, to: folder, download: quick())
            #expect(FileManager.default.contents(atPath: folder + "/waveforms.hdf5") == whole)
            #expect(report.files.first { $0.name == "waveforms.hdf5" }?.what == what)
        }
    }

    @Test func errorsNameTheAddressAndLeaveNoCompleteLookingFile() throws {
        let (server, root) = try serve("plain", as: "tiny")
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        // A dataset the host does not have: its metadata answers 404.
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: DownloadError.status(url: server.url.absoluteString + "datasets/nothing/metadata.csv", code: 404)) {
            try SeisBenchRemote.fetch(name: "nothing", root: server.url, to: folder, download: quick())
        }
        // A server error.
        server.setBehaviour(.status(500), for: "datasets/tiny/waveforms.hdf5")
        #expect(throws: DownloadError.status(url: server.url.absoluteString + "datasets/tiny/waveforms.hdf5", code: 500)) {
            try SeisBenchRemote.fetch(name: "tiny", root: server.url, to: folder, download: quick())
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/waveforms.hdf5"))
        // A server that never answers: the idle timeout ends the wait.
        server.setBehaviour(.stall, for: "datasets/tiny/waveforms.hdf5")
        var stalled = quick()
        stalled.idleTimeout = 1
        stalled.retries = 0
        do {
            _ = try SeisBenchRemote.fetch(name: "tiny", root: server.url, to: folder, download: stalled)
            Issue.record("a stalled server gave a dataset")
        } catch let e as DownloadError {
            guard case .unreachable(let url, _) = e else { Issue.record("\(e)"); return }
            #expect(url.hasSuffix("datasets/tiny/waveforms.hdf5"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/waveforms.hdf5"))
    }

    /// Nothing listens: the error says the host cannot be reached, at once (no retries for a
    /// connection that never opened).
    @Test func anUnreachableHostIsAClearError() throws {
        let (server, root) = try serve("plain", as: "tiny")
        let port = server.port
        server.shutdown()
        try? FileManager.default.removeItem(atPath: root)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            _ = try SeisBenchRemote.fetch(name: "tiny", root: URL(string: "http://127.0.0.1:\(port)/")!, to: folder, download: quick())
            Issue.record("fetched from a closed port")
        } catch let e as DownloadError {
            #expect("\(e)".hasPrefix("cannot reach http://127.0.0.1:\(port)/datasets/tiny/chunks"))
        }
    }

    @Test func theDefaultFolderIsSeisBenchsCache() {
        #expect(SeisBenchRemote.defaultFolder(name: "ETHZ", environment: ["HOME": "/home/u"]) == "/home/u/.seisbench/datasets/ethz")
        #expect(SeisBenchRemote.defaultFolder(name: "stead", environment: ["HOME": "/h", "SEISBENCH_CACHE_ROOT": "/data/sb"]) == "/data/sb/datasets/stead")
        #expect(SeisBenchRemote.isValidName("instance_gm") && !SeisBenchRemote.isValidName("../x") && !SeisBenchRemote.isValidName(""))
    }
}
