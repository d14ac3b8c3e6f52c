// STEADSplit: the reference's train/test preparation of STEAD in one call — the catalogue split by
// time, both parts prepared (shared among the ranks of a job), checked, and only then written.

import Foundation
import SeismicNN

extension STEAD {
    /// One written part of the split: `train.h5` or `test.h5`.
    public struct PreparedPart: Sendable {
        /// "train" or "test".
        public var name: String
        public var path: String
        public var windows: Int
        public var summary: Summary
    }

    /// What a catalogue holds: its rows, those `usableRows` keeps, their earthquakes (and those
    /// passing the reference's cleaning) and noise traces. Printed as one line.
    public struct CatalogueCounts: Sendable, CustomStringConvertible {
        public var rows: Int, usable: Int, earthquakes: Int, cleanEarthquakes: Int, noise: Int

        public init(_ catalogue: [STEADTrace]) {
            let usable = usableRows(catalogue).rows
            let quakes = usable.filter(\.isEarthquake)
            (rows, self.usable, earthquakes) = (catalogue.count, usable.count, quakes.count)
            (cleanEarthquakes, noise) = (quakes.filter(\.passesReferenceCleaning).count, usable.filter(\.isNoise).count)
        }

        public var description: String {
            "catalogue: \(rows) rows (\(usable) usable), \(earthquakes) earthquakes (\(cleanEarthquakes) pass cleaning), \(noise) noise"
        }
    }

    /// Splits `catalogue` (`split(_:trainFraction:seed:)`), prepares both parts from `hdf5` (the
    /// test part with `seed + 1`), and writes `folder/train.h5` and `folder/test.h5`, making the
    /// folder. Both parts are prepared and checked before either is written, so a refused
    /// preparation leaves no partial output. Under mpirun (`collective`) each rank prepares its
    /// share of each part (`Collective.share(of:)`) and rank 0 joins and writes them; the other
    /// ranks return no parts.
    /// - Parameter progress: (part name, traces done, traces in this rank's share).
    /// - Throws: `HDF5Error`, `DatasetError.noWindows` (`requireWindows`) naming the empty part,
    ///   the write errors of `PreparedDataset.save` and `gatherShares`.
    public static func prepareSplit(
        _ catalogue: [STEADTrace], hdf5: String, folder: String, trainFraction: Double, seed: UInt64,
        collective: Collective? = nil, progress: (_ part: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }
    ) throws -> [PreparedPart] {
        let (train, test) = split(catalogue, trainFraction: trainFraction, seed: seed)
        var prepared: [(part: PreparedPart, data: PreparedDataset)] = []
        for (name, traces) in [("train", train), ("test", test)] {
            let share = collective?.share(of: traces.count) ?? traces.indices
            let path = (folder as NSString).appendingPathComponent("\(name).h5")
            var (data, summary) = try prepare(
                Array(traces[share]), hdf5: hdf5, seed: seed &+ (name == "test" ? 1 : 0), firstIndex: share.lowerBound
            ) { progress(name, $0, $1) }
            guard let joined = try PreparedDataset.gatherShares(data, summary: &summary, at: path, collective: collective) else { continue }
            data = joined
            prepared.append((PreparedPart(name: name, path: path, windows: data.count, summary: summary), data))
        }
        for p in prepared { try requireWindows(p.data, path: p.part.path, catalogue: catalogue, summary: p.part.summary) }
        // The folder is made only once there is something to write in it.
        if !prepared.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for p in prepared { try p.data.save(to: p.part.path) }
        return prepared.map(\.part)
    }
}
