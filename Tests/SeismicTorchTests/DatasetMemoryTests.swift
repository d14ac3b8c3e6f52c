// Training and evaluation refuse, before reading, a dataset that cannot fit in memory.

import Foundation
import SeismicIO
import SeismicTorch
import Testing

@Suite struct DatasetMemoryTests {
    @Test func aDatasetLargerThanTheBudgetIsRefusedWithTheFigures() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mem-\(UUID()).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let meta = DatasetMetadata(classNames: ["P-wave", "S-wave", "Noise"], samplingRateHz: 40, windowSamples: 80, componentOrder: ["E", "N", "Z"])
        let n = 50
        try PreparedDataset(
            values: (0..<(n * 240)).map { Float($0 % 7) }, itemShape: [80, 3], labels: (0..<n).map { $0 % 3 },
            provenance: (0..<n).map { _ in WindowProvenance(source: "s", station: "ST", startTime: 0, method: "m") },
            metadata: meta
        ).save(to: path)
        #expect(try PreparedDataset.windowBytes(at: path) == n * 240 * 4)
        let needed = PreparedDataset.peakBaseBytes + Int(PreparedDataset.peakBytesPerWindowByte) * n * 240 * 4
        try PreparedDataset.requireMemory(
            toLoad: path, for: "training on d.h5",
            budget: MemoryBudget(availableBytes: needed, limitedBy: "the cgroup's memory.max"))
        #expect {
            try PreparedDataset.requireMemory(
                toLoad: path, for: "training on d.h5",
                budget: MemoryBudget(availableBytes: needed - 1, limitedBy: "the cgroup's memory.max"))
        } throws: { ($0 as? InsufficientMemoryError)?.neededBytes == needed && "\($0)".hasPrefix("training on d.h5 needs about 100.2 MB") }
        #expect(throws: DatasetError.self) { try PreparedDataset.windowBytes(at: path + ".missing") }
    }
}
