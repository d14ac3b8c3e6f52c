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
        // As String(format: "%04d-%02d-%02dT%02d:%02d:%02d") and "%06lld", without the formatter
        // (a long record's CSV formats a time per window).
        var text = zeroPadded(Int(parts.tm_year) + 1900, 4) + "-" + zeroPadded(Int(parts.tm_mon) + 1, 2) + "-" + zeroPadded(Int(parts.tm_mday), 2)
        text += "T" + zeroPadded(Int(parts.tm_hour), 2) + ":" + zeroPadded(Int(parts.tm_min), 2) + ":" + zeroPadded(Int(parts.tm_sec), 2)
        if digits > 0 { text += "." + String(zeroPadded(Int(fraction), 6).prefix(digits)) }
        return text + "Z"
    }

    /// `n` as printf's "%0*d" writes it with `width`: zeros before the digits to `width`
    /// characters, the sign counted.
    public static func zeroPadded(_ n: Int, _ width: Int) -> String {
        let digits = String(n.magnitude)
        let sign = n < 0 ? "-" : ""
        return sign + String(repeating: "0", count: max(0, width - sign.count - digits.count)) + digits
    }

    /// `iso8601` without "-" and ":", for file names and resource identifiers:
    /// "20190706T031953.040Z".
    public static func compact(_ seconds: Double, fractionDigits: Int = 3) -> String {
        iso8601(seconds, fractionDigits: fractionDigits).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
    }

    /// Seconds since 1970-01-01 UTC from ISO 8601 text as ObsPy's `UTCDateTime` accepts it
    /// commonly: "2019-07-06", "2019-07-06T03:19", "2019-07-06T03:19:53", with a fraction of the
    /// second (up to 9 digits) and an optional "Z"; a space may replace the "T". Nil for anything
    /// else (another time zone, a day that does not exist, a field out of range).
    public static func parse(_ text: String) -> Double? {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("Z") { t.removeLast() }
        let parts = t.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "T" || $0 == " " })
        guard parts.count <= 2 else { return nil }
        // Digits only in every field: Int() would also take a sign ("03:-1" as 02:59).
        guard parts.allSatisfy({ $0.allSatisfy { $0.isASCII && ($0.isNumber || "-:.".contains($0)) } }) else { return nil }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard date.count == 3, date.allSatisfy({ $0.allSatisfy(\.isNumber) }), date[0].count == 4, date[1].count == 2, date[2].count == 2,
            let year = Int(date[0]), let month = Int(date[1]), let day = Int(date[2]), (1...12).contains(month), day >= 1
        else { return nil }
        var hour = 0, minute = 0, second = 0.0
        if parts.count == 2 {
            let time = parts[1].split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(time.count), time[0].count == 2, time[1].count == 2, time[0...1].allSatisfy({ $0.allSatisfy(\.isNumber) }),
                let h = Int(time[0]), let m = Int(time[1]), h < 24, m < 60
            else {
                return nil
            }
            hour = h
            minute = m
            if time.count == 3 {
                let sec = time[2]
                guard sec.count >= 2, sec.prefix(2).allSatisfy(\.isNumber),
                    sec.count == 2 || (sec.dropFirst(2).first == "." && sec.count > 3 && sec.count <= 13),
                    sec.dropFirst(3).allSatisfy(\.isNumber), let s = Double(sec), s < 60
                else { return nil }
                second = s
            }
        }
        var parts_ = tm()
        parts_.tm_year = Int32(year - 1900)
        parts_.tm_mon = Int32(month - 1)
        parts_.tm_mday = Int32(day)
        parts_.tm_hour = Int32(hour)
        parts_.tm_min = Int32(minute)
        let whole = timegm(&parts_)
        // timegm normalises 2019-02-30 to March: such a day does not exist.
        var back = tm()
        var w = whole
        gmtime_r(&w, &back)
        guard Int(back.tm_mday) == day, Int(back.tm_mon) == month - 1 else { return nil }
        return Double(whole) + second
    }
}
