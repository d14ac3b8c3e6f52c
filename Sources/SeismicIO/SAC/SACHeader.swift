// SACHeader: the 158-word binary SAC header (version 6) as one table that drives reader and writer.

/// A SAC header, version 6: 70 floats, 40 integers and 23 strings (KEVNM takes 16 bytes, the
/// others 8). Raw values are kept exactly as stored, so writing what was read is lossless, bit for
/// bit; the typed accessors turn SAC's undefined values (-12345, -12345.0, "-12345  ") into `nil`.
///
/// Field names and order follow the SAC manual and ObsPy's `obspy.io.sac.header`.
public struct SACHeader: Equatable, Sendable {
    /// SAC's "undefined" markers.
    public static let undefinedFloat: Float = -12345.0
    public static let undefinedInt: Int32 = -12345
    public static let undefinedString = "-12345"

    /// Float header words, in file order (70).
    public static let floatNames: [String] = [
        "delta", "depmin", "depmax", "scale", "odelta", "b", "e", "o", "a", "internal0",
        "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "f",
        "resp0", "resp1", "resp2", "resp3", "resp4", "resp5", "resp6", "resp7", "resp8", "resp9",
        "stla", "stlo", "stel", "stdp", "evla", "evlo", "evel", "evdp", "mag",
        "user0", "user1", "user2", "user3", "user4", "user5", "user6", "user7", "user8", "user9",
        "dist", "az", "baz", "gcarc", "internal1", "internal2", "depmen", "cmpaz", "cmpinc",
        "xminimum", "xmaximum", "yminimum", "ymaximum",
        "unused6", "unused7", "unused8", "unused9", "unused10", "unused11", "unused12"
    ]
    /// Integer (and logical) header words, in file order (40).
    public static let intNames: [String] = [
        "nzyear", "nzjday", "nzhour", "nzmin", "nzsec", "nzmsec", "nvhdr", "norid", "nevid",
        "npts", "internal3", "nwfid", "nxsize", "nysize", "unused13", "iftype", "idep", "iztype",
        "unused14", "iinst", "istreg", "ievreg", "ievtyp", "iqual", "isynth", "imagtyp", "imagsrc",
        "unused15", "unused16", "unused17", "unused18", "unused19", "unused20", "unused21",
        "unused22", "leven", "lpspol", "lovrok", "lcalda", "unused23"
    ]
    /// String header fields, in file order (23); `kevnm` is 16 bytes, every other one 8.
    public static let stringNames: [String] = [
        "kstnm", "kevnm", "khole", "ko", "ka", "kt0", "kt1", "kt2", "kt3", "kt4", "kt5", "kt6",
        "kt7", "kt8", "kt9", "kf", "kuser0", "kuser1", "kuser2", "kcmpnm", "knetwk", "kdatrd",
        "kinst"
    ]
    /// Byte width of each string field.
    public static func stringWidth(_ index: Int) -> Int { index == 1 ? 16 : 8 }

    /// Bytes in a binary SAC header: 70*4 + 40*4 + 192.
    public static let byteCount = 632
    /// `iftype` value of an evenly sampled time series (ITIME) and of an XY file (IXY).
    public static let iftypeTime: Int32 = 1
    public static let iftypeXY: Int32 = 4

    private static let floatIndex = Dictionary(
        uniqueKeysWithValues: floatNames.enumerated().map { ($1, $0) })
    private static let intIndex = Dictionary(
        uniqueKeysWithValues: intNames.enumerated().map { ($1, $0) })
    private static let stringIndex = Dictionary(
        uniqueKeysWithValues: stringNames.enumerated().map { ($1, $0) })

    /// Raw stored values (undefined markers included).
    public var floats: [Float]
    public var ints: [Int32]
    /// Raw string fields, each exactly `stringWidth` bytes (space padded, possibly NUL terminated).
    public var stringBytes: [[UInt8]]

    /// A header with every field undefined, version 6, and the logical defaults SAC writes.
    public init() {
        floats = Array(repeating: Self.undefinedFloat, count: Self.floatNames.count)
        ints = Array(repeating: Self.undefinedInt, count: Self.intNames.count)
        stringBytes = Self.stringNames.indices.map {
            Self.padded(Self.undefinedString, width: Self.stringWidth($0))
        }
        ints[Self.intIndex["nvhdr"]!] = 6
        ints[Self.intIndex["iftype"]!] = Self.iftypeTime
        ints[Self.intIndex["leven"]!] = 1
        ints[Self.intIndex["lpspol"]!] = 0
        ints[Self.intIndex["lovrok"]!] = 1
        ints[Self.intIndex["lcalda"]!] = 1
        ints[Self.intIndex["unused23"]!] = 0
    }

    init(floats: [Float], ints: [Int32], stringBytes: [[UInt8]]) {
        self.floats = floats
        self.ints = ints
        self.stringBytes = stringBytes
    }

    // MARK: Typed access by name

    /// The float field `name`, or nil when undefined. Precondition: `name` is a float field.
    public func float(_ name: String) -> Float? {
        guard let i = Self.floatIndex[name] else { preconditionFailure("no SAC float field \(name)") }
        let v = floats[i]
        return v == Self.undefinedFloat ? nil : v
    }

    public mutating func setFloat(_ name: String, _ value: Float?) {
        guard let i = Self.floatIndex[name] else { preconditionFailure("no SAC float field \(name)") }
        floats[i] = value ?? Self.undefinedFloat
    }

    /// The integer field `name`, or nil when undefined.
    public func int(_ name: String) -> Int? {
        guard let i = Self.intIndex[name] else { preconditionFailure("no SAC int field \(name)") }
        let v = ints[i]
        return v == Self.undefinedInt ? nil : Int(v)
    }

    public mutating func setInt(_ name: String, _ value: Int?) {
        guard let i = Self.intIndex[name] else { preconditionFailure("no SAC int field \(name)") }
        ints[i] = value.map { Int32(clamping: $0) } ?? Self.undefinedInt
    }

    /// The string field `name` with padding and anything after a NUL removed, or nil when undefined.
    public func string(_ name: String) -> String? {
        guard let i = Self.stringIndex[name] else { preconditionFailure("no SAC string field \(name)") }
        var bytes = stringBytes[i]
        if let nul = bytes.firstIndex(of: 0) { bytes = Array(bytes[..<nul]) }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: " ")
        return text == Self.undefinedString ? nil : text
    }

    public mutating func setString(_ name: String, _ value: String?) {
        guard let i = Self.stringIndex[name] else { preconditionFailure("no SAC string field \(name)") }
        stringBytes[i] = Self.padded(value ?? Self.undefinedString, width: Self.stringWidth(i))
    }

    static func padded(_ text: String, width: Int) -> [UInt8] {
        var bytes = Array(text.utf8.prefix(width))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - bytes.count))
        return bytes
    }

    // MARK: The fields a seismologist reaches for

    public var npts: Int { Int(ints[Self.intIndex["npts"]!]) }
    /// Samples per component: NPTS in the field's word (`Waveform.sampleCount`).
    public var sampleCount: Int { npts }
    public var delta: Float { floats[0] }
    /// DELTA in seconds. Rounded to whole microseconds, as ObsPy does, when that changes it by at
    /// most 0.01 % (always so for DELTA ≥ 5 ms, i.e. 200 Hz and below), so that 0.01 stored as
    /// float32 means 100 Hz exactly rather than 99.999998 Hz, and 0.05000016 means 20 Hz. A finer
    /// interval (4e-7 s, 2.5 MHz) would round to 0 or to another rate, so it is kept as the shortest
    /// decimal that reads back as the stored float32 instead. Not meaningful for a DELTA that is not
    /// finite and positive (the reader refuses those).
    public var samplingIntervalSeconds: Double {
        let stored = Double(delta)
        let rounded = (stored * 1e6).rounded() / 1e6
        if rounded > 0, abs(rounded - stored) <= 1e-4 * stored { return rounded }
        return Double("\(delta)") ?? stored
    }
    public var b: Float? {
        get { float("b") }
        set { setFloat("b", newValue) }
    }
    public var e: Float? {
        get { float("e") }
        set { setFloat("e", newValue) }
    }
    /// A: the first arrival time, s from the reference time (SAC's definition).
    public var firstArrival: Float? {
        get { float("a") }
        set { setFloat("a", newValue) }
    }
    /// O: the event origin time, s from the reference time.
    public var origin: Float? {
        get { float("o") }
        set { setFloat("o", newValue) }
    }
    /// DEPMIN and DEPMAX: the smallest and largest sample, as the writer stored them.
    public var dependentMinimum: Float? {
        get { float("depmin") }
        set { setFloat("depmin", newValue) }
    }
    public var dependentMaximum: Float? {
        get { float("depmax") }
        set { setFloat("depmax", newValue) }
    }
    /// Tn (n = 0…9): a user-defined time pick, s from the reference time; nil when undefined or n
    /// is outside 0…9.
    public func userPick(_ n: Int) -> Float? { (0...9).contains(n) ? float("t\(n)") : nil }
    /// Sets Tn (n = 0…9); nil makes it undefined.
    public mutating func setUserPick(_ n: Int, _ value: Float?) {
        precondition((0...9).contains(n), "SAC has user picks T0…T9, not T\(n)")
        setFloat("t\(n)", value)
    }
    public var stationLatitude: Float? {
        get { float("stla") }
        set { setFloat("stla", newValue) }
    }
    public var stationLongitude: Float? {
        get { float("stlo") }
        set { setFloat("stlo", newValue) }
    }
    public var eventLatitude: Float? {
        get { float("evla") }
        set { setFloat("evla", newValue) }
    }
    public var eventLongitude: Float? {
        get { float("evlo") }
        set { setFloat("evlo", newValue) }
    }
    /// Event depth as stored (SAC convention km; some writers use metres).
    public var eventDepth: Float? {
        get { float("evdp") }
        set { setFloat("evdp", newValue) }
    }
    public var station: String? {
        get { string("kstnm") }
        set { setString("kstnm", newValue) }
    }
    public var network: String? {
        get { string("knetwk") }
        set { setString("knetwk", newValue) }
    }
    /// KHOLE: the location code (SEED's; ObsPy maps it so).
    public var location: String? {
        get { string("khole") }
        set { setString("khole", newValue) }
    }
    public var channelCode: String? {
        get { string("kcmpnm") }
        set { setString("kcmpnm", newValue) }
    }
    public var isEvenlySampled: Bool { ints[Self.intIndex["leven"]!] == 1 }
    public var fileType: Int32 { ints[Self.intIndex["iftype"]!] }

    /// Reference time (NZYEAR, NZJDAY, NZHOUR, NZMIN, NZSEC, NZMSEC) as seconds since 1970-01-01
    /// UTC, or nil when any part is undefined or the parts do not form a valid time (the reader
    /// refuses files whose defined reference time is invalid; see `checkedReferenceTime()`).
    public var referenceTime: Double? { try? checkedReferenceTime() }

    /// Reference time as seconds since 1970-01-01 UTC by ObsPy's rules (`docs/DATA.md`, "SAC
    /// reference time"): nil when any of the six fields is undefined (-12345); NZYEAR 0…99 means
    /// 1900…1999; otherwise NZYEAR 1000…9999, NZJDAY 1…365 (366 in a leap year), NZHOUR 0…23,
    /// NZMIN 0…59, NZSEC 0…59, NZMSEC 0…999, else `SACReferenceTimeError` naming the field.
    public func checkedReferenceTime() throws(SACReferenceTimeError) -> Double? {
        guard var year = int("nzyear"), let jday = int("nzjday"), let hour = int("nzhour"),
            let minute = int("nzmin"), let second = int("nzsec"), let msec = int("nzmsec")
        else { return nil }
        if (0...99).contains(year) { year += 1900 }
        guard (1000...9999).contains(year) else {
            throw SACReferenceTimeError(field: "NZYEAR", value: year, expected: "0…99 (1900…1999) or 1000…9999")
        }
        let days = Self.isLeap(year) ? 366 : 365
        guard (1...days).contains(jday) else {
            throw SACReferenceTimeError(field: "NZJDAY", value: jday, expected: "1…\(days) in \(year)")
        }
        for (field, value, range) in [
            ("NZHOUR", hour, 0...23), ("NZMIN", minute, 0...59),
            ("NZSEC", second, 0...59), ("NZMSEC", msec, 0...999)
        ] {
            guard range.contains(value) else {
                throw SACReferenceTimeError(
                    field: field, value: value,
                    expected: "\(range.lowerBound)…\(range.upperBound)")
            }
        }
        return Double(Self.daysSinceEpoch(year: year, dayOfYear: jday)) * 86400
            + Double(hour * 3600 + minute * 60 + second) + Double(msec) / 1000
    }

    /// True when NZYEAR is a two-digit year (0…99) read as 1900…1999.
    public var hasTwoDigitYear: Bool { int("nzyear").map { (0...99).contains($0) } ?? false }

    /// Start of the first sample: reference time + B, in seconds since the epoch.
    public var startTime: Double? {
        guard let ref = referenceTime else { return nil }
        return ref + Double(b ?? 0)
    }

    /// Sets NZ* from seconds since the epoch (millisecond precision) and B to the remainder.
    public mutating func setReferenceTime(_ seconds: Double) {
        let wholeMs = (seconds * 1000).rounded(.down)
        var days = Int((wholeMs / 86_400_000).rounded(.down))
        var msOfDay = Int(wholeMs - Double(days) * 86_400_000)
        if msOfDay < 0 { days -= 1; msOfDay += 86_400_000 }
        var year = 1970
        while days < 0 { year -= 1; days += Self.isLeap(year) ? 366 : 365 }
        while days >= (Self.isLeap(year) ? 366 : 365) { days -= Self.isLeap(year) ? 366 : 365; year += 1 }
        setInt("nzyear", year)
        setInt("nzjday", days + 1)
        setInt("nzhour", msOfDay / 3_600_000)
        setInt("nzmin", (msOfDay / 60_000) % 60)
        setInt("nzsec", (msOfDay / 1000) % 60)
        setInt("nzmsec", msOfDay % 1000)
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysSinceEpoch(year: Int, dayOfYear: Int) -> Int {
        var days = 0
        if year >= 1970 {
            for y in 1970..<year { days += isLeap(y) ? 366 : 365 }
        } else {
            for y in year..<1970 { days -= isLeap(y) ? 366 : 365 }
        }
        return days + dayOfYear - 1
    }
}

/// A defined SAC reference time field out of its range: `field` (e.g. "NZJDAY"), the stored
/// `value` and the `expected` range.
public struct SACReferenceTimeError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var value: Int
    public var expected: String

    public init(field: String, value: Int, expected: String) {
        self.field = field
        self.value = value
        self.expected = expected
    }

    public var description: String { "reference time \(field) = \(value); expected \(expected)" }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var s = Substring(self)
        while s.first == character { s = s.dropFirst() }
        while s.last == character { s = s.dropLast() }
        return String(s)
    }
}
