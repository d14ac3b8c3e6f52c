// Fixtures: where the reference data of Tests/Fixtures live and how tests read them.

import Foundation
import SeismicIO

/// The reference data copied from shared/fixtures (same layout, file names and manifest.json).
public enum Fixtures {
    /// Absolute path of Tests/Fixtures, found from this source file's location.
    public static let root: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }()

    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// A path inside the repository (e.g. "data/real-heldout", "models/earthquake-real.safetensors"):
    /// what ships with the project and the tests check.
    public static func repository(_ relative: String) -> String {
        URL(fileURLWithPath: root).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(relative).path
    }

    /// manifest.json, parsed.
    nonisolated(unsafe) public static let manifest: [String: Any] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: path("manifest.json")))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    /// The manifest entry of `name` (e.g. "layers/gelu").
    public static func manifestCase(_ name: String) -> [String: Any] {
        let cases = manifest["cases"] as! [String: Any]
        guard let c = cases[name] as? [String: Any] else { fatalError("fixture case \(name) not in manifest.json") }
        return c
    }

    /// Names of the arrays the manifest lists for a case.
    public static func arrayNames(_ caseName: String) -> [String] {
        ((manifestCase(caseName)["arrays"] as? [String: Any]) ?? [:]).keys.sorted()
    }

    /// Shape the manifest declares for array `name` of case `caseName`.
    public static func declaredShape(_ caseName: String, _ name: String) -> [Int]? {
        ((manifestCase(caseName)["arrays"] as? [String: Any])?[name] as? [Any])?.compactMap { $0 as? Int }
    }

    public static func npy(_ caseName: String, _ name: String) throws -> NPYArray {
        try NPYArray(contentsOf: path("\(caseName)/\(name).npy"))
    }

    public static func json(_ relative: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }
}

/// The largest elementwise error of `observed` against `expected`, relative to the larger of
/// `floor` and the biggest magnitude in `expected`, and where it happened.
public func maxRelativeError(_ observed: [Float], _ expected: [Float], floor: Float = 1e-6) -> (error: Float, index: Int) {
    precondition(observed.count == expected.count, "counts differ: \(observed.count) vs \(expected.count)")
    let scale = max(expected.map { abs($0) }.max() ?? 0, floor)
    var worst: Float = 0
    var at = -1
    for i in observed.indices {
        let e = abs(observed[i] - expected[i]) / scale
        if !(e <= worst) { worst = e; at = i }
    }
    return (worst, at)
}

public func maxRelativeError(_ observed: [Double], _ expected: [Double], floor: Double = 1e-12) -> (error: Double, index: Int) {
    precondition(observed.count == expected.count, "counts differ: \(observed.count) vs \(expected.count)")
    let scale = max(expected.map { abs($0) }.max() ?? 0, floor)
    var worst = 0.0
    var at = -1
    for i in observed.indices {
        let e = abs(observed[i] - expected[i]) / scale
        if !(e <= worst) { worst = e; at = i }
    }
    return (worst, at)
}

/// A repeatable generator for tests (SplitMix64).
public struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
