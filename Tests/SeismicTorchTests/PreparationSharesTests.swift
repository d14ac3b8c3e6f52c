// Shares of a preparation among the ranks of a job: the share law, the summary's counts summed,
// and STEAD's split prepared in one call giving one process's result also under two ranks.

import Foundation
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

/// `body(rank, collective)` on `size` threads standing in for MPI ranks; the results by rank.
private func onRanks<T: Sendable>(_ size: Int, _ body: @escaping @Sendable (Int, Collective) throws -> T) throws -> [T] {
    let group = ThreadGroup(size: size)
    let results = Locked<[T?]>(Array(repeating: nil, count: size))
    let errors = Locked<[String]>([])
    let threads = (0..<size).map { rank in
        Thread {
            do {
                let r = try body(rank, ThreadCollective(rank: rank, group: group))
                results.withLock { $0[rank] = r }
            } catch { errors.withLock { $0.append("rank \(rank): \(error)") } }
        }
    }
    threads.forEach { $0.start() }
    // Generous: only a hang would reach it (the ranks meet in one sum per part).
    let deadline = Date().addingTimeInterval(300)
    while results.withLock({ $0.contains { $0 == nil } }) && errors.withLock({ $0.isEmpty }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    let failed = errors.withLock { $0 }
    guard failed.isEmpty else { throw DatasetError.noWindows(path: "ranks", reason: failed.joined(separator: "; ")) }
    let all = results.withLock { $0 }
    return try all.map { try #require($0) }
}

@Suite struct PreparationSharesTests {
    /// The law: for any count and job size, the ranks' shares in rank order are consecutive,
    /// cover 0..<count once, and differ in size by at most one.
    @Test func sharesCoverEveryItemOnceInRankOrder() throws {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<500 {
            let count = Int(rng.next() % 1000), size = 1 + Int(rng.next() % 17)
            let group = ThreadGroup(size: size)
            let shares = (0..<size).map { ThreadCollective(rank: $0, group: group).share(of: count) }
            #expect(shares.first?.lowerBound == 0 && shares.last?.upperBound == count)
            #expect(zip(shares, shares.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            let sizes = shares.map(\.count)
            #expect(sizes.max()! - sizes.min()! <= 1, "count \(count), size \(size): \(sizes)")
        }
    }

    /// Alone (no collective) the dataset and the summary come back as they are.
    @Test func withoutAJobTheShareIsTheWhole() throws {
        let metadata = DatasetMetadata(classNames: ["P-wave", "S-wave", "Noise"], samplingRateHz: 40, windowSamples: 1, componentOrder: ["E", "N", "Z"])
        let data = PreparedDataset(
            values: [1, 2, 3], itemShape: [1, 3], labels: [2],
            provenance: [WindowProvenance(source: "a", station: "", startTime: 0, method: "m")], metadata: metadata)
        var summary = PreparationSummary(classCount: 3)
        summary.recordsRead = 4
        summary.windowsPerClass = [0, 0, 1]
        let same = try #require(try PreparedDataset.gatherShares(data, summary: &summary, at: "/nonexistent/x.h5", collective: nil))
        #expect(same.values == data.values && same.labels == data.labels)
        #expect(summary.recordsRead == 4 && summary.windowsPerClass == [0, 0, 1])
    }

    /// `prepareSplit` writes what `split` then `prepare` of each part give (the test part with
    /// seed + 1); two ranks, each preparing its share, write the same files, and the summaries'
    /// counts are the sums over the ranks.
    @Test func steadSplitUnderTwoRanksEqualsOneProcess() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("split-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try SyntheticCorpus.writeSTEAD(folder: root + "/stead", earthquakes: 12, noise: 12, seed: 4)
        let hdf5 = root + "/stead/merged.hdf5"
        let catalogue = try STEAD.catalogue(csv: root + "/stead/merged.csv")

        let alone = try STEAD.prepareSplit(catalogue, hdf5: hdf5, folder: root + "/one", trainFraction: 0.8, seed: 9)
        #expect(alone.map(\.name) == ["train", "test"])
        let (train, test) = STEAD.split(catalogue, trainFraction: 0.8, seed: 9)
        for (part, traces, seed) in [(alone[0], train, UInt64(9)), (alone[1], test, UInt64(10))] {
            let (expected, summary) = try STEAD.prepare(traces, hdf5: hdf5, seed: seed)
            let written = try PreparedDataset.load(from: part.path)
            #expect(written.values == expected.values && written.labels == expected.labels)
            #expect(part.windows == expected.count && part.summary.windowsPerClass == summary.windowsPerClass)
            #expect(written.metadata.units == .counts)
        }

        let ranks = try onRanks(2) { _, collective in
            try STEAD.prepareSplit(catalogue, hdf5: hdf5, folder: root + "/two", trainFraction: 0.8, seed: 9, collective: collective)
        }
        #expect(ranks[1].isEmpty, "only rank 0 writes")
        for (mine, theirs) in zip(ranks[0], alone) {
            let a = try PreparedDataset.load(from: mine.path), b = try PreparedDataset.load(from: theirs.path)
            #expect(a.values == b.values && a.labels == b.labels && a.provenance == b.provenance)
            #expect(mine.summary.windowsPerClass == theirs.summary.windowsPerClass && mine.summary.tracesRead == theirs.summary.tracesRead)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: root + "/two")
        #expect(Set(left) == ["train.h5", "test.h5"], "\(left)")
    }

    /// A part without windows (no trace of the test part is in the HDF5 file) refuses the whole
    /// preparation before anything is written: not even the folder is made.
    @Test func anEmptyPartWritesNothing() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("split-empty-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let catalogue = try STEAD.catalogue(csv: Fixtures.path("stead_mini/merged.csv"))
        #expect(throws: DatasetError.self) {
            try STEAD.prepareSplit(catalogue, hdf5: Fixtures.path("stead_mini/merged.hdf5"), folder: root + "/out", trainFraction: 1, seed: 1)
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/out"))
    }
}
