// PreparedDataset+Memory: what loading a prepared dataset for training or evaluation will take,
// checked against the memory the process may use before anything is read.

import Foundation
import SeismicIO

extension PreparedDataset {
    /// Peak memory of `seismic train`, `finetune` and `evaluate` per byte of the dataset's windows:
    /// the windows as read, the amplitude chain's copies and the batches. Measured peak resident
    /// memory for 7.3 and 35.9 MB of windows: train 116 and 228 MB, evaluate 71 and 182 MB, so
    /// about 3.9 × the windows plus 90 MB (train) or 45 MB (evaluate); taken as 4 × + 100 MB.
    public static let peakBytesPerWindowByte = 4.0
    /// The program and model's share of that peak (see `peakBytesPerWindowByte`).
    public static let peakBaseBytes = 100_000_000

    /// Bytes of float32 windows (`X`) in the prepared dataset at `path`, from its shape alone.
    /// - Throws: `DatasetError` when the file is not a prepared dataset.
    public static func windowBytes(at path: String) throws(DatasetError) -> Int {
        do {
            let f = try HDF5File(readingAt: path)
            guard f.exists("X") else { throw DatasetError.notADataset(path: path, reason: "it has no X dataset") }
            let shape = try f.shape(of: "X")
            var count = 4
            for d in shape {
                let (p, o) = count.multipliedReportingOverflow(by: d)
                guard d >= 0, !o else { throw DatasetError.notADataset(path: path, reason: "X has shape \(shape), too large to address") }
                count = p
            }
            return count
        } catch let e as DatasetError {
            throw e
        } catch {
            throw DatasetError.notADataset(path: path, reason: "\(error)")
        }
    }

    /// Refuses, before loading, a dataset whose training or evaluation would need more memory
    /// than the process may take (`MemoryBudget`): about 4 × its windows + 100 MB.
    /// - Parameter what: the work, as the error names it ("training on data/train.h5").
    /// - Throws: `InsufficientMemoryError` with both figures, or `DatasetError` for a file that is
    ///   not a prepared dataset.
    public static func requireMemory(toLoad path: String, for what: String, budget: MemoryBudget? = MemoryBudget.current()) throws {
        guard let budget else { return }
        let windows = Double(try windowBytes(at: path))
        let needed = Double(peakBaseBytes) + peakBytesPerWindowByte * windows
        try budget.check(neededBytes: needed < Double(Int.max) ? Int(needed) : Int.max, for: what)
    }
}
