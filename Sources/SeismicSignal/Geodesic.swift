// Geodesic: distance and azimuths on the WGS84 ellipsoid (as ObsPy gps2dist_azimuth), Vincenty's method.

import Foundation

/// Distances between points on the WGS84 ellipsoid.
public enum Geodesic {
    public static let semiMajorAxisMeters = 6_378_137.0
    public static let flattening = 1 / 298.257223563

    /// Distance in metres and forward/back azimuths in degrees from (lat1, lon1) to (lat2, lon2),
    /// by Vincenty's inverse formula (converges to 1e-12 rad; for the rare nearly antipodal pairs
    /// where it does not, falls back to the spherical distance on the mean radius).
    public static func distance(latitude1: Double, longitude1: Double, latitude2: Double, longitude2: Double)
        -> (meters: Double, azimuth: Double, backAzimuth: Double)
    {
        let a = semiMajorAxisMeters, f = flattening, b = a * (1 - f)
        let rad = Double.pi / 180
        let l = (longitude2 - longitude1) * rad
        let u1 = atan((1 - f) * tan(latitude1 * rad)), u2 = atan((1 - f) * tan(latitude2 * rad))
        let (sinU1, cosU1, sinU2, cosU2) = (sin(u1), cos(u1), sin(u2), cos(u2))
        var lambda = l
        var iterations = 0
        var sinSigma = 0.0, cosSigma = 0.0, sigma = 0.0, cosSqAlpha = 0.0, cos2SigmaM = 0.0
        var sinLambda = 0.0, cosLambda = 0.0
        while true {
            sinLambda = sin(lambda); cosLambda = cos(lambda)
            let t1 = cosU2 * sinLambda, t2 = cosU1 * sinU2 - sinU1 * cosU2 * cosLambda
            sinSigma = (t1 * t1 + t2 * t2).squareRoot()
            if sinSigma == 0 { return (0, 0, 0) }
            cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda
            sigma = atan2(sinSigma, cosSigma)
            let sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma
            cosSqAlpha = 1 - sinAlpha * sinAlpha
            cos2SigmaM = cosSqAlpha != 0 ? cosSigma - 2 * sinU1 * sinU2 / cosSqAlpha : 0
            let c = f / 16 * cosSqAlpha * (4 + f * (4 - 3 * cosSqAlpha))
            let previous = lambda
            lambda = l + (1 - c) * f * sinAlpha * (sigma + c * sinSigma * (cos2SigmaM + c * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)))
            iterations += 1
            if abs(lambda - previous) < 1e-12 { break }
            if iterations > 200 {
                let meanRadius = 6_371_008.8
                let d = acos(
                    min(
                        1,
                        max(
                            -1,
                            sin(latitude1 * rad) * sin(latitude2 * rad)
                                + cos(latitude1 * rad) * cos(latitude2 * rad) * cos(l))))
                return (d * meanRadius, 0, 180)
            }
        }
        let uSq = cosSqAlpha * (a * a - b * b) / (b * b)
        let bigA = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)))
        let bigB = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)))
        let deltaSigma =
            bigB * sinSigma
            * (cos2SigmaM + bigB / 4
                * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)
                    - bigB / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)))
        let meters = b * bigA * (sigma - deltaSigma)
        var az = atan2(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda) / rad
        var baz = atan2(cosU1 * sinLambda, -sinU1 * cosU2 + cosU1 * sinU2 * cosLambda) / rad + 180
        az = (az + 360).truncatingRemainder(dividingBy: 360)
        baz = (baz + 360).truncatingRemainder(dividingBy: 360)
        return (meters, az, baz)
    }
}
