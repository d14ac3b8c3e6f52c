// Travel times against ObsPy TauP's ak135 table (fixtures/traveltimes/ak135_local.json); geodesics; STA/LTA.

import Foundation
import SeismicSignal
import TestSupport
import Testing

nonisolated(unsafe) private let table = (try! Fixtures.json("traveltimes/ak135_local.json") as! [String: Any])["rows"] as! [[String: Any]]

@Suite struct TravelTimeTests {
    @Test func firstPMatchesTauP() {
        let calc = TravelTimeCalculator()
        var worst = 0.0
        var lines: [String] = []
        for row in table {
            let depth = row["depth_km"] as! Double, distance = row["distance_km"] as! Double
            let want = row["first_p_s"] as! Double
            let got = calc.firstArrival(distanceKm: distance, depthKm: depth, s: false) ?? .nan
            worst = max(worst, abs(got - want))
            if !(abs(got - want) <= 0.05) { lines.append("depth \(depth) km, \(distance) km: \(got) vs \(want)") }
        }
        #expect(lines.isEmpty, "\(lines.count) of \(table.count) P times off by more than 0.05 s: \(lines.prefix(8))")
    }

    /// The table's `first_s_s` is the first arrival whose name starts with S in either case, which
    /// is mostly the depth phase sP (a P wave at the station); S-wave windows need the S wave, so
    /// S is checked against the table's own S phases (s, S, Sn) wherever TauP listed them.
    @Test func firstSMatchesTauPsSPhases() {
        let calc = TravelTimeCalculator()
        var checked = 0
        var lines: [String] = []
        for row in table {
            let phases = (row["phases"] as! [[Any]]).map { ($0[0] as! String, $0[1] as! Double) }
            guard let want = phases.filter({ ["s", "S", "Sn"].contains($0.0) }).map(\.1).min() else { continue }
            let depth = row["depth_km"] as! Double, distance = row["distance_km"] as! Double
            let got = calc.firstArrival(distanceKm: distance, depthKm: depth, s: true) ?? .nan
            checked += 1
            if !(abs(got - want) <= 0.05) { lines.append("depth \(depth) km, \(distance) km: \(got) vs \(want)") }
        }
        #expect(checked >= 25)
        #expect(lines.isEmpty, "\(lines.count) of \(checked) S times off by more than 0.05 s: \(lines.prefix(8))")
    }
}

@Suite struct GeodesicAndTriggerTests {
    /// Vincenty's (1975) own test line, Flinders Peak → Buninyong on the GRS80/WGS84 ellipsoid:
    /// 54 972.271 m, forward azimuth 306°52′05.37″.
    @Test func vincentyTestLine() {
        let (m, az, _) = Geodesic.distance(
            latitude1: -(37 + 57.0 / 60 + 3.72030 / 3600), longitude1: 144 + 25.0 / 60 + 29.52440 / 3600,
            latitude2: -(37 + 39.0 / 60 + 10.15610 / 3600), longitude2: 143 + 55.0 / 60 + 35.38390 / 3600)
        #expect(abs(m - 54_972.271) < 0.01)
        #expect(abs(az - (306 + 52.0 / 60 + 5.37 / 3600)) < 1e-4)
        #expect(Geodesic.distance(latitude1: 10, longitude1: 20, latitude2: 10, longitude2: 20).meters == 0)
        // One degree of latitude at the equator is 110.574 km on WGS84.
        #expect(abs(Geodesic.distance(latitude1: 0, longitude1: 0, latitude2: 1, longitude2: 0).meters - 110_574.4) < 1)
    }

    @Test func classicSTALTAMatchesItsDefinition() {
        var rng = TestRNG(seed: 2)
        var a = (0..<3000).map { _ in Double.random(in: -1...1, using: &rng) }
        for i in 2000..<2100 { a[i] *= 20 }
        let r = STALTA.classic(a, shortWindow: 40, longWindow: 200)
        #expect(r[..<199].allSatisfy { $0 == 0 })
        for i in [199, 500, 2050, 2999] {
            let sta = a[(i - 39)...i].reduce(0) { $0 + $1 * $1 } / 40
            let lta = a[(i - 199)...i].reduce(0) { $0 + $1 * $1 } / 200
            #expect(abs(r[i] - sta / lta) < 1e-9 * max(1, sta / lta))
        }
        let peak = r.indices.max { r[$0] < r[$1] }!
        #expect((2000..<2100).contains(peak))
    }
}

@Suite struct ReferencePickTests {
    @Test func reproducesTheReferencesTauPChoice() {
        let calc = TravelTimeCalculator()
        var lines: [String] = []
        for row in table {
            let depth = row["depth_km"] as! Double, distance = row["distance_km"] as! Double
            for (key, s) in [("seed_p_s", false), ("seed_s_s", true)] {
                let want = row[key] as? Double
                let got = calc.referencePick(distanceKm: distance, depthKm: depth, s: s)
                switch (want, got) {
                case (nil, nil): break
                case let (w?, g?) where abs(w - g) <= 0.05: break
                default: lines.append("\(key) depth \(depth) km, \(distance) km: \(String(describing: got)) vs \(String(describing: want))")
                }
            }
        }
        #expect(lines.isEmpty, "\(lines.count) picks differ: \(lines.prefix(10))")
    }
}
