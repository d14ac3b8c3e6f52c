// QuakeML: picks written as a QuakeML 1.2 document (BED), which ObsPy's read_events reads back.

import Foundation
import XMLCoder

/// Writes picks as QuakeML 1.2 (the FDSN's event exchange format, https://quake.ml): one `event`
/// per group of picks (a record's picks — they are not associated to an origin, so the event holds
/// picks only, as an automatic detection), each `pick` with its time (the peak time), the station
/// as `waveformID` (network, station and location codes, and the instrument's band and
/// instrument code with "?" as the channel code when it is known), the phase as `phaseHint`,
/// `evaluationMode` automatic, `evaluationStatus` preliminary, and the peak probability and
/// trigger span in a comment. Element order follows ObsPy's QuakeML writer; the document is read
/// back by `obspy.read_events` (checked by scripts/check_quakeml.py in `make test`).
public enum QuakeML {
    /// The document for `events` (each a list of picks, written in time order; picks whose trace
    /// id names no station are left out, as QuakeML requires a station code, and events left
    /// empty with them), with resource identifiers under `smi:local/seismictorch/` made from the
    /// instrument (`Pick.instrumentID`, named in the comment too; the station when it is not known),
    /// phase and time, unique in the document (the same picks give the same document). `author`
    /// goes into each item's creationInfo.
    /// - Throws: `EncodingError` from the XML encoder (not expected for finite times).
    /// `eventIDs`, when given (one per event), name the events (`smi:local/seismictorch/event/ID`)
    /// instead of their place in the document — a monitor's events, each in a file of its own.
    /// `creationTime` (UTC s), when given, goes into each creationInfo (left out by default, so the
    /// same picks give the same document).
    public static func document(events: [[Pick]], eventIDs: [String]? = nil, author: String = "SeismicTorch", creationTime: Double? = nil) throws
        -> Data
    {
        let info = CreationInfo(author: author, creationTime: creationTime.map { UTCTime.iso8601($0) })
        precondition(eventIDs == nil || eventIDs!.count == events.count, "\(eventIDs!.count) event ids for \(events.count) events")
        let withStations = events.map { $0.filter { $0.traceID.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.isEmpty == false } }
        let kept = withStations.indices.filter { !withStations[$0].isEmpty }
        var used = Set<String>()
        /// A pick's identifier: its instrument (its station when that is not known), phase and time,
        /// with "-2", "-3"… for one already used in the document (the same record given twice).
        func pickID(_ p: Pick) -> String {
            let base =
                "smi:local/seismictorch/pick/\(p.instrumentID.isEmpty ? p.traceID : p.instrumentID)/\(p.phase)/"
                + UTCTime.compact(p.peakTime, fractionDigits: 6)
            var id = base, k = 2
            while !used.insert(id).inserted { id = "\(base)-\(k)"; k += 1 }
            return id
        }
        let eventList = kept.enumerated().map { k, index in
            let sorted = withStations[index].sorted()
            return Event(
                publicID: "smi:local/seismictorch/event/\(eventIDs?[index] ?? String(k + 1))",
                pick: sorted.map { p in
                    Event.PickElement(
                        publicID: pickID(p),
                        time: TimeQuantity(value: UTCTime.iso8601(p.peakTime)),
                        waveformID: WaveformStreamID(fromTraceID: p.traceID, instrumentID: p.instrumentID),
                        phaseHint: p.phase,
                        evaluationMode: "automatic",
                        evaluationStatus: "preliminary",
                        comment: [
                            Comment(
                                text: String(
                                    format: "peak probability %.4f; trigger %@ to %@", p.peakValue, UTCTime.iso8601(p.startTime),
                                    UTCTime.iso8601(p.endTime)) + (p.instrumentID.isEmpty ? "" : "; instrument \(p.instrumentID)"))
                        ],
                        creationInfo: info)
                },
                creationInfo: info)
        }
        let root = Root(eventParameters: EventParameters(publicID: "smi:local/seismictorch/catalog", event: eventList))
        let encoder = XMLEncoder()
        encoder.outputFormatting = [.prettyPrinted]
        // A text file ends with a line end.
        return try encoder.encode(root, withRootKey: "q:quakeml", header: XMLHeader(version: 1.0, encoding: "UTF-8")) + Data("\n".utf8)
    }

    private struct Root: Encodable {
        @Attribute var xmlns: String
        @Attribute var q: String
        var eventParameters: EventParameters
        init(eventParameters: EventParameters) {
            _xmlns = Attribute("http://quakeml.org/xmlns/bed/1.2")
            _q = Attribute("http://quakeml.org/xmlns/quakeml/1.2")
            self.eventParameters = eventParameters
        }
        enum CodingKeys: String, CodingKey {
            case xmlns
            case q = "xmlns:q"
            case eventParameters
        }
    }

    private struct EventParameters: Encodable {
        @Attribute var publicID: String
        var event: [Event]
        init(publicID: String, event: [Event]) {
            _publicID = Attribute(publicID)
            self.event = event
        }
    }

    private struct Event: Encodable {
        @Attribute var publicID: String
        var pick: [PickElement]
        var creationInfo: CreationInfo
        init(publicID: String, pick: [PickElement], creationInfo: CreationInfo) {
            _publicID = Attribute(publicID)
            self.pick = pick
            self.creationInfo = creationInfo
        }

        struct PickElement: Encodable {
            @Attribute var publicID: String
            var time: TimeQuantity
            var waveformID: WaveformStreamID
            var phaseHint: String
            var evaluationMode: String
            var evaluationStatus: String
            var comment: [Comment]
            var creationInfo: CreationInfo
            init(
                publicID: String, time: TimeQuantity, waveformID: WaveformStreamID, phaseHint: String, evaluationMode: String,
                evaluationStatus: String, comment: [Comment], creationInfo: CreationInfo
            ) {
                _publicID = Attribute(publicID)
                self.time = time
                self.waveformID = waveformID
                self.phaseHint = phaseHint
                self.evaluationMode = evaluationMode
                self.evaluationStatus = evaluationStatus
                self.comment = comment
                self.creationInfo = creationInfo
            }
        }
    }

    private struct TimeQuantity: Encodable { var value: String }
    private struct Comment: Encodable { var text: String }
    private struct CreationInfo: Encodable {
        var author: String
        var creationTime: String?
    }

    private struct WaveformStreamID: Encodable {
        @Attribute var networkCode: String
        @Attribute var stationCode: String
        @Attribute var locationCode: String
        /// The instrument's band and instrument code with "?" for its components ("HN?": the pick
        /// was made on all of them; ObsPy's `Stream.select(id=…)` takes the SEED id as a pattern);
        /// left out when the instrument is not known.
        @Attribute var channelCode: String?
        /// From "NET.STA.LOC" (a missing field is empty) and "NET.STA.LOC.BI" (or "").
        init(fromTraceID id: String, instrumentID: String) {
            let f = id.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            _networkCode = Attribute(f.first ?? "")
            _stationCode = Attribute(f.count > 1 ? f[1] : "")
            _locationCode = Attribute(f.count > 2 ? f[2] : "")
            let instrument = instrumentID.split(separator: ".", omittingEmptySubsequences: false)
            _channelCode = Attribute(instrument.count == 4 && instrument[3].count == 2 ? instrument[3] + "?" : nil)
        }
    }
}
