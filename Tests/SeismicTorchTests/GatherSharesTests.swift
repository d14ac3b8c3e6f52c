// A preparation's shares gathered as under mpirun, with threads standing in for the ranks.

import Foundation
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

@Suite struct GatherSharesTests {
    /// Three ranks, each with its own windows (2, 0 and 3): rank 0 gets them joined in rank order,
    /// the others nil; every rank gets the counts summed; no part file is left behind.
    @Test func threeRanksAreJoinedInRankOrderOnRankZero() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gather-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/out/train.h5"  // the folder does not exist yet
        let metadata = DatasetMetadata(classNames: ["P-wave", "S-wave", "Noise"], samplingRateHz: 40, windowSamples: 2, componentOrder: ["E", "N", "Z"])
        let sizes = [2, 0, 3]
        @Sendable func share(_ rank: Int) -> PreparedDataset {
            let n = sizes[rank]
            let values = (0..<(n * 6)).map { Float(rank * 100 + $0) }
            let provenance = (0..<n).map { WindowProvenance(source: "r\(rank)-\($0)", station: "ST0\(rank)", startTime: Double($0), method: "test") }
            return PreparedDataset(values: values, itemShape: [2, 3], labels: (0..<n).map { ($0 + rank) % 3 }, provenance: provenance, metadata: metadata)
        }
        let group = ThreadGroup(size: 3)
        let results = Locked<[(PreparedDataset?, [Double])?]>(Array(repeating: nil, count: 3))
        let errors = Locked<[String]>([])
        let threads = (0..<3).map { rank in
            Thread {
                do {
                    let r = try PreparedDataset.gatherShares(
                        share(rank), at: path, counts: [Double(sizes[rank]), 1],
                        collective: ThreadCollective(rank: rank, group: group))
                    results.withLock { $0[rank] = r }
                } catch { errors.withLock { $0.append("rank \(rank): \(error)") } }
            }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(120)
        while results.withLock({ $0.contains { $0 == nil } }) && errors.withLock({ $0.isEmpty }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(errors.withLock { $0 } == [])
        let all = results.withLock { $0 }
        let joined = try #require(all[0]?.0)
        #expect(all[1]?.0 == nil && all[2]?.0 == nil)
        #expect(all.allSatisfy { $0?.1 == [5, 3] })
        #expect(joined.count == 5 && joined.labels == [0, 1, 2, 0, 1])
        #expect(joined.provenance.map(\.source) == ["r0-0", "r0-1", "r2-0", "r2-1", "r2-2"])
        #expect(Array(joined.values.prefix(12)) == (0..<12).map(Float.init))
        #expect(Array(joined.values.suffix(18)) == (0..<18).map { Float(200 + $0) })
        let left = try FileManager.default.contentsOfDirectory(atPath: folder + "/out")
        #expect(!left.contains { $0.contains(".part") }, "\(left)")
    }

    /// Rank 1 cannot write its share (a folder stands where its part goes): it still takes part
    /// in the sum, so no rank waits forever; every rank throws (rank 1 its own write error, the
    /// others the count of ranks that failed) and the parts that were written are removed.
    @Test func aRankThatCannotWriteItsShareMakesEveryRankThrowWithoutHanging() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gather-fail-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/train.h5"
        try FileManager.default.createDirectory(atPath: path + ".part1/blocker", withIntermediateDirectories: true)
        let metadata = DatasetMetadata(classNames: ["P-wave", "S-wave", "Noise"], samplingRateHz: 40, windowSamples: 2, componentOrder: ["E", "N", "Z"])
        let share = PreparedDataset(
            values: Array(repeating: 0.5, count: 6), itemShape: [2, 3], labels: [2],
            provenance: [WindowProvenance(source: "s", station: "ST", startTime: 0, method: "test")], metadata: metadata)
        let group = ThreadGroup(size: 3)
        let outcomes = Locked<[String?]>(Array(repeating: nil, count: 3))
        let threads = (0..<3).map { rank in
            Thread {
                let outcome: String
                do {
                    _ = try PreparedDataset.gatherShares(share, at: path, counts: [1], collective: ThreadCollective(rank: rank, group: group))
                    outcome = "returned"
                } catch { outcome = "threw: \(error)" }
                outcomes.withLock { $0[rank] = outcome }
            }
        }
        threads.forEach { $0.start() }
        // A hang is what this test guards against: it fails (not waits) after two minutes.
        let deadline = Date().addingTimeInterval(120)
        while outcomes.withLock({ $0.contains { $0 == nil } }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let all = outcomes.withLock { $0 }
        #expect(all.allSatisfy { $0?.hasPrefix("threw") == true }, "\(all)")
        #expect(all[0]?.contains("1 of 3 ranks could not write their share") == true && all[2] == all[0], "\(all)")
        #expect(all[1]?.contains("1 of 3") == false, "\(all)")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(left == ["train.h5.part1"], "\(left)")  // only the folder that blocked rank 1
    }
}
