// SEEDIdentifier: a channel's SEED name, NET.STA.LOC.CHA, and the codes its channel is made of.

/// A channel's SEED identifier as ObsPy writes it (`Trace.id`): network, station, location and
/// channel codes joined by dots, "IU.ANMO.00.BHZ". The channel code is band, instrument and
/// orientation ("B", "H", "Z"); the orientation letter is the component.
public struct SEEDIdentifier: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var network: String
    public var station: String
    public var location: String
    public var channel: String

    public init(network: String, station: String, location: String, channel: String) {
        self.network = network
        self.station = station
        self.location = location
        self.channel = channel
    }

    /// From "NET.STA.LOC.CHA" (four dot-separated fields, the location may be empty); nil otherwise.
    public init?(_ text: String) {
        let f = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard f.count == 4, !f[1].isEmpty, !f[3].isEmpty else { return nil }
        self.init(network: f[0], station: f[1], location: f[2], channel: f[3])
    }

    /// "NET.STA.LOC.CHA".
    public var description: String { "\(network).\(station).\(location).\(channel)" }

    /// The orientation (component) letter: the channel code's last character ("Z", "N", "E", "1"…).
    public var component: Character? { channel.count == 3 ? channel.last : nil }

    /// Band and instrument codes, the channel code without its orientation ("HH", "BH", "HN").
    public var bandInstrument: String { channel.count == 3 ? String(channel.prefix(2)) : channel }

    /// Whether the SEED instrument code (the channel code's second letter) is a velocity
    /// sensor's: H (high-gain seismometer) or P (geophone), as SEED's channel naming appendix
    /// defines them. Their counts are not acceleration, whatever unit a user names.
    public var isVelocitySensor: Bool { channel.count == 3 && ["H", "P"].contains(channel.dropFirst().first) }

    /// "NET.STA.LOC": the station and its location (sensor position).
    public var stationID: String { "\(network).\(station).\(location)" }

    /// "NET.STA.LOC.BI": one instrument, whose channels differ only in orientation — the
    /// components that make one record (as ObsPy's `Stream.select(id=…?)` groups them).
    public var instrumentID: String { "\(stationID).\(bandInstrument)" }

    public static func < (a: SEEDIdentifier, b: SEEDIdentifier) -> Bool { a.description < b.description }

    /// Where a file name carries a channel's orientation letter: the last three-character code
    /// of two letters and one of `letters`, between non-alphanumerics ("ST01.HLX.sac" → the X,
    /// "CI.PASC..HHZ.D.2019.187" → the Z); nil when there is none. SAC triples and miniSEED day
    /// files find their sibling components by changing that letter.
    public static func orientationPosition(inFileName name: [Character], letters: Set<Character>) -> Int? {
        func alnum(_ c: Character) -> Bool { c.isLetter || c.isNumber }
        var i = name.count - 3
        while i >= 0 {
            let before = i == 0 ? "." : name[i - 1], after = i + 3 == name.count ? "." : name[i + 3]
            if !alnum(before), !alnum(after), name[i].isLetter, name[i + 1].isLetter, letters.contains(name[i + 2]) { return i + 2 }
            i -= 1
        }
        return nil
    }
}
