// UTCTime: seconds since the epoch as the text ObsPy's UTCDateTime prints.

import Foundation

public enum UTCTime {
    /// `seconds` since 1970-01-01 UTC as ISO 8601 with `fractionDigits` (0…6) digits of the
    /// second and a "Z": the time rounded to the microsecond (ObsPy's precision), then cut to the
    /// digits asked for: "2019-07-06T03:19:53.040000Z" (ObsPy's
    /// `str(UTCDateTime)` with 6). Nil-free: a non-finite time prints as "invalid time".
    public static func iso8601(_ seconds: Double, fractionDigits: Int = 6) -> String {
        guard seconds.isFinite, abs(seconds) < 1e14 else { return "invalid time" }
        let digits = min(max(fractionDigits, 0), 6)
        let micro = Int64((seconds * 1e6).rounded())
        let whole = micro >= 0 ? micro / 1_000_000 : -((-micro + 999_999) / 1_000_000)
        let fraction = micro - whole * 1_000_000
        var t = time_t(whole)
        var parts = tm()
        gmtime_r(&t, &parts)
        var text = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
            Int(parts.tm_min), Int(parts.tm_sec))
        if digits > 0 { text += "." + String(String(format: "%06lld", fraction).prefix(digits)) }
        return text + "Z"
    }
}
