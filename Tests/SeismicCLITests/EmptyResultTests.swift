// A command that produces nothing usable exits non-zero and says why (issue: "empty results succeed").

import ArgumentParser
import Foundation
import SeismicCLI
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

struct EmptyResultTests {
    @Test func classifyOfAFolderWithoutRecordsAndAPreparationWithoutWindowsFail() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder + "/none", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let card = ModelCard.earthquakePretraining()
        try Checkpoint.save(model: ConvNet(card.architecture, seed: 0), card: card, to: folder + "/m.safetensors")
        var classify = try Seismic.parseAsRoot(["classify", "--model", folder + "/m.safetensors", folder + "/none"])
        #expect { try withStandardOutput { try classify.run() } } throws: { "\($0)".contains("no records found") }

        var rng = SeededGenerator(seed: 5)
        try FileManager.default.createDirectory(atPath: folder + "/ev", withIntermediateDirectories: true)
        try SyntheticRecord.generate(event: true, durationSeconds: 30, using: &rng).writeSAC(folder: folder + "/ev", name: "ST04.ev", station: "ST04")
        var prep = try Seismic.parseAsRoot([
            "prep", "qsis-events", "--folder", folder + "/ev", "-o", folder + "/out.h5",
            "--min-samples", "100", "--min-pga", "1e300"
        ])
        #expect { try withStandardOutput { try prep.run() } } throws: { "\($0)".contains("no windows") && "\($0)".contains("nothing written") }
        #expect(!FileManager.default.fileExists(atPath: folder + "/out.h5"))
    }
}
