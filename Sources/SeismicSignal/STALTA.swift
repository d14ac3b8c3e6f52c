// STALTA: the classic short-term / long-term average ratio trigger (ObsPy classic_sta_lta).

/// ObsPy's `classic_sta_lta(a, nsta, nlta)`: for i ≥ nlta − 1, STA = mean of a² over the last nsta
/// samples, LTA = mean of a² over the last nlta samples, ratio STA/LTA; the first nlta − 1 values are 0.
public enum STALTA {
    public static func classic(_ a: [Double], shortWindow nsta: Int, longWindow nlta: Int) -> [Double] {
        precondition(nsta > 0 && nlta > nsta, "need 0 < STA window < LTA window")
        let n = a.count
        var out = [Double](repeating: 0, count: n)
        guard n >= nlta else { return out }
        var prefix = [Double](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + a[i] * a[i] }
        for i in (nlta - 1)..<n {
            let sta = (prefix[i + 1] - prefix[i + 1 - nsta]) / Double(nsta)
            let lta = (prefix[i + 1] - prefix[i + 1 - nlta]) / Double(nlta)
            out[i] = lta > 0 ? sta / lta : 0
        }
        return out
    }
}
