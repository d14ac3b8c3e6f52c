// seismic merge: concatenate prepared datasets that agree, shuffled with a seed.

import ArgumentParser
import Foundation
import SeismicTorch

extension Seismic {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge prepared datasets (same window shape, rate and classes) into one, shuffled.",
            discussion: "Example: seismic merge data/qsis.h5 data/noise.h5 -o data/all.h5 --seed 1")

        @Argument(help: "Prepared dataset files (.h5).") var inputs: [String]
        @Option(name: [.short, .customLong("output")], help: "Merged dataset to write.") var output: String
        @Option(parsing: .unconditional, help: "Shuffle seed.") var seed: UInt64 = 0

        func validate() throws {
            guard inputs.count >= 1 else { throw ValidationError("name at least one dataset to merge") }
            try refuseOverwriting(inputs: inputs, with: output)
            try refuseWritingOverData(output, writing: "the dataset", datasets: false)
        }

        func run() throws {
            let parts = try inputs.map { (path: $0, dataset: try PreparedDataset.load(from: $0)) }
            let merged = try PreparedDataset.merge(parts, seed: seed)
            guard merged.count > 0 else { throw UserFacingError("\(output): the datasets hold no windows (nothing written)") }
            try merged.save(to: output)
            var counts = [Int](repeating: 0, count: merged.metadata.classNames.count)
            for l in merged.labels { counts[l] += 1 }
            printSummary("wrote \(output): \(merged.count) windows", zip(merged.metadata.classNames, counts).map { ($0, "\($1)") })
        }
    }
}
