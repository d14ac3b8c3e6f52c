// UTC times as text: what ObsPy prints, what users type, and station selections for SDS archives.

import SeismicIO
import Testing

@Suite struct UTCTimeTests {
    @Test func parsesWhatUsersType() {
        let day: Double = 1_562_371_200  // 2019-07-06T00:00:00Z
        let minute: Double = day + 11_940  // 03:19
        #expect(UTCTime.parse("2019-07-06") == day)
        #expect(UTCTime.parse("2019-07-06T03:19") == minute)
        #expect(UTCTime.parse("2019-07-06 03:19:53Z") == minute + 53)
        #expect(UTCTime.parse("2019-07-06T03:19:53.040000Z") == minute + 53.04)
        for bad in [
            "", "2019-7-6", "2019-02-30", "2019-13-01", "2019-07-06T24:00", "2019-07-06T03:19:60", "2019-07-06T03:19:5", "yesterday", "2019-07-06+02:00",
            "2019-07-06T03:19:53.", "2019-07-06T03", "2019-07-06T03:-1", "2019-+7-06", "2019-07-06T03:19:+5"
        ] {
            #expect(UTCTime.parse(bad) == nil, "\(bad)")
        }
    }

    /// Any time printed to the microsecond parses back to itself.
    @Test func printedTimesParseBack() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let t = (Double.random(in: 0..<4e9, using: &rng) * 1e6).rounded() / 1e6
            #expect(abs(UTCTime.parse(UTCTime.iso8601(t))! - t) < 1e-6, "\(UTCTime.iso8601(t))")
        }
    }

    @Test func stationSelectors() {
        #expect(StationSelector("CI.PASC")?.location == nil)
        #expect(StationSelector("CI.PASC.")?.location == "")
        #expect(StationSelector("IU.ANMO.00")?.description == "IU.ANMO.00")
        for bad in ["CI", "CI.", ".PASC", "CI.PASC.00.HHZ", "CI.PA SC", "CI.PA/SC"] { #expect(StationSelector(bad) == nil, "\(bad)") }
        let id = SEEDIdentifier(network: "IU", station: "ANMO", location: "10", channel: "BHZ")
        #expect(StationSelector("IU.ANMO")!.matches(id) && StationSelector("IU.ANMO.10")!.matches(id) && !StationSelector("IU.ANMO.00")!.matches(id))
    }
}
