// TravelTimes: first P and S arrivals for local and regional distances in a 1-D Earth model (ak135).

import Foundation

/// A 1-D velocity model: depth (km) with P and S velocities (km/s), linear between nodes; a repeated
/// depth is a discontinuity.
public struct VelocityModel: Sendable {
    public var depthKm: [Double]
    public var vp: [Double]
    public var vs: [Double]

    /// ak135 (Kennett, Engdahl & Buland 1995) down to 410 km: ample for rays to 500 km distance.
    public static let ak135 = VelocityModel(
        depthKm: [0, 20, 20, 35, 35, 77.5, 120, 165, 210, 210, 260, 310, 360, 410],
        vp: [5.8, 5.8, 6.5, 6.5, 8.04, 8.045, 8.05, 8.175, 8.3, 8.3, 8.4825, 8.665, 8.8475, 9.03],
        vs: [3.46, 3.46, 3.85, 3.85, 4.48, 4.49, 4.5, 4.509, 4.518, 4.523, 4.609, 4.696, 4.783, 4.87])

    func velocity(at z: Double, s: Bool) -> Double {
        let v = s ? vs : vp
        for i in 1..<depthKm.count where z < depthKm[i] || i == depthKm.count - 1 {
            let (z0, z1) = (depthKm[i - 1], depthKm[i])
            if z1 == z0 { continue }
            let t = min(max((z - z0) / (z1 - z0), 0), 1)
            return v[i - 1] + t * (v[i] - v[i - 1])
        }
        return v.last!
    }
}

/// First-arrival travel times by ray theory in the Earth-flattened model, sliced into thin
/// homogeneous layers: up-going direct rays, down-going rays turning (or critically reflected) at
/// every depth, and head waves along every velocity increase. The time at a distance is the
/// earliest ray of any family that reaches it. Accurate to a few hundredths of a second against
/// TauP for distances up to 500 km and depths to 60 km (tested on the TauP ak135 table).
public struct TravelTimeCalculator: Sendable {
    public static let earthRadiusKm = 6371.0
    let model: VelocityModel
    let layerKm: Double
    /// Flattened layers: thickness and P/S velocity.
    private let thickness: [Double]
    private let top: [Double]
    private let vP: [Double]
    private let vS: [Double]

    /// `layerKm` slices the crust; below 40 km the slices are four times thicker (gentle gradients), and
    /// rays to 500 km never turn below the model's 410 km.
    public init(model: VelocityModel = .ak135, layerKm: Double = 0.25) {
        self.model = model
        self.layerKm = layerKm
        var th: [Double] = [], tp: [Double] = [], p: [Double] = [], s: [Double] = []
        let bottom = model.depthKm.last!
        var z = 0.0
        let r = Self.earthRadiusKm
        while z < bottom - 1e-9 {
            var next = min(z + (z < 40 ? layerKm : layerKm * 4), bottom)
            // Never straddle a node (keeps discontinuities sharp).
            if let node = model.depthKm.first(where: { $0 > z + 1e-9 && $0 < next - 1e-9 }) { next = node }
            let mid = (z + next) / 2
            let zf0 = r * log(r / (r - z)), zf1 = r * log(r / (r - next))
            th.append(zf1 - zf0)
            tp.append(zf0)
            let scale = r / (r - mid)
            p.append(model.velocity(at: mid + 1e-9, s: false) * scale)
            s.append(model.velocity(at: mid + 1e-9, s: true) * scale)
            z = next
        }
        thickness = th; top = tp; vP = p; vS = s
    }

    /// The flattened layer holding a source at `depthKm` (a source on an interface belongs to the
    /// layer above) and the thickness of that layer above the source.
    func sourcePosition(depthKm: Double) -> (layer: Int, partial: Double) {
        let r = Self.earthRadiusKm
        let zs = r * log(r / (r - depthKm))
        var layer = 0
        while layer < thickness.count - 1 && top[layer] + thickness[layer] < zs { layer += 1 }
        return (layer, zs - top[layer])
    }

    /// Earliest P (or S) arrival in seconds at epicentral distance `distanceKm` (along the surface)
    /// from a source at `depthKm`; nil when no ray of the model reaches it.
    public func firstArrival(distanceKm x: Double, depthKm: Double, s: Bool) -> Double? {
        let v = s ? vS : vP
        let (sourceLayer, partial) = sourcePosition(depthKm: depthKm)
        func h(_ i: Int) -> Double { i < sourceLayer ? thickness[i] : (i == sourceLayer ? partial : 0) }
        var best = Double.infinity
        // Distance and time of a ray with parameter p through `legs` of each layer.
        func trace(_ p: Double, upTo limit: Int, downFrom source: Int) -> (x: Double, t: Double)? {
            var xs = 0.0, ts = 0.0
            for i in 0...limit {
                var count = 0.0
                var hh = 0.0
                if i < source { hh = thickness[i]; count = 1 } else if i == source { hh = partial; count = 1 }
                // Down-going part below the source (twice: down and back up).
                if i >= source && i <= limit {
                    let below = i == source ? thickness[i] - partial : thickness[i]
                    let q = 1 - p * p * v[i] * v[i]
                    if q <= 0 { return nil }
                    let c = q.squareRoot()
                    xs += 2 * below * p * v[i] / c
                    ts += 2 * below / (v[i] * c)
                }
                if count > 0 && hh > 0 {
                    let q = 1 - p * p * v[i] * v[i]
                    if q <= 0 { return nil }
                    let c = q.squareRoot()
                    xs += hh * p * v[i] / c
                    ts += hh / (v[i] * c)
                }
            }
            return (xs, ts)
        }
        // 1. Up-going direct rays: bisect on p for the distance (X grows with p).
        let vMaxAbove = (0...sourceLayer).map { v[$0] }.max()!
        var lo = 0.0, hi = 1 / vMaxAbove * (1 - 1e-12)
        func up(_ p: Double) -> (x: Double, t: Double) {
            var xs = 0.0, ts = 0.0
            for i in 0...sourceLayer where h(i) > 0 {
                let c = (1 - p * p * v[i] * v[i]).squareRoot()
                xs += h(i) * p * v[i] / c
                ts += h(i) / (v[i] * c)
            }
            return (xs, ts)
        }
        if up(hi).x >= x {
            for _ in 0..<100 { let mid = (lo + hi) / 2; if up(mid).x < x { lo = mid } else { hi = mid } }
            best = up((lo + hi) / 2).t
        }
        // 2. Down-going rays turning at the top of layer k (p just below 1/v[k]… above 1/v[k]),
        //    interpolated between neighbouring turning depths, and 3. head waves along each increase.
        var vmax = vMaxAbove
        var previous: (x: Double, t: Double)? = nil
        for k in sourceLayer..<(thickness.count - 1) {
            vmax = max(vmax, v[k])
            let next = v[k + 1]
            guard next > vmax else { previous = nil; continue }
            let p = 1 / next
            // The ray with p = 1/v[k+1] grazes the top of layer k+1: turning point / head wave.
            guard let ray = trace(p * (1 - 1e-12), upTo: k, downFrom: sourceLayer) else { previous = nil; continue }
            // Head wave: T = T(ray) + (X − X(ray))·p for X beyond the critical distance.
            if x >= ray.x { best = min(best, ray.t + (x - ray.x) * p) }
            if let prev = previous, (prev.x - x) * (ray.x - x) <= 0, prev.x != ray.x {
                let w = (x - prev.x) / (ray.x - prev.x)
                best = min(best, prev.t + w * (ray.t - prev.t))
            }
            previous = ray
        }
        return best.isFinite ? best : nil
    }

    /// The phase the reference picks from TauP's arrival list: the last arrival named "P" or "Pn"
    /// (for S: "S" or "Sn"). Those are the down-going rays bottoming at each velocity increase
    /// below the source (and the head waves along them); the last to arrive is the family under the
    /// first discontinuity below the source, whose rays at long range travel at the source layer's
    /// speed. nil where only the direct p (s) reaches the distance; the reference then falls back
    /// to constant velocities.
    public func referencePick(distanceKm x: Double, depthKm: Double, s: Bool) -> Double? {
        let v = s ? vS : vP
        let (sourceLayer, partial) = sourcePosition(depthKm: depthKm)
        // X and T of a down-going ray with parameter p bottoming at the top of layer k + 1.
        func ray(_ p: Double, bottomingBelow k: Int) -> (x: Double, t: Double)? {
            var xs = 0.0, ts = 0.0
            for i in 0...k {
                let receiverLeg = thickness[i]
                let sourceLeg = i < sourceLayer ? 0 : (i == sourceLayer ? thickness[i] - partial : thickness[i])
                let q = 1 - p * p * v[i] * v[i]
                if q <= 0 { return nil }
                let c = q.squareRoot()
                xs += (receiverLeg + sourceLeg) * p * v[i] / c
                ts += (receiverLeg + sourceLeg) / (v[i] * c)
            }
            return (xs, ts)
        }
        var latest: Double? = nil
        var vmax = (0...sourceLayer).map { v[$0] }.max()!
        var families = 0
        for k in sourceLayer..<(thickness.count - 1) where families < 3 {
            vmax = max(vmax, v[k])
            guard v[k + 1] > vmax * 1.05 else { continue }  // first-order discontinuities only
            families += 1
            var lo = 1 / v[k + 1], hi = 1 / vmax * (1 - 1e-12)
            guard let near = ray(lo, bottomingBelow: k) else { continue }
            // Head wave along the interface (TauP's Pn-type arrival) from the critical distance on.
            if x >= near.x { latest = max(latest ?? 0, near.t + (x - near.x) * lo) }
            guard let far = ray(hi, bottomingBelow: k), far.x >= x, near.x <= x else { continue }
            for _ in 0..<80 {
                let mid = (lo + hi) / 2
                if let m = ray(mid, bottomingBelow: k), m.x < x { lo = mid } else { hi = mid }
            }
            if let hit = ray((lo + hi) / 2, bottomingBelow: k) { latest = max(latest ?? 0, hit.t) }
        }
        return latest
    }
}
