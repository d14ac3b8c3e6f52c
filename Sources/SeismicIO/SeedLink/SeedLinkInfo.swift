// SeedLinkInfo: what a SeedLink server offers — `INFO STREAMS` asked over its own connection and
// its XML answer read into streams (station, location, channel, type, time span).

import Foundation
import NIOCore
import NIOPosix
import XMLCoder

/// One stream a SeedLink server holds, as `INFO STREAMS` lists it.
public struct SeedLinkStreamInfo: Sendable, Equatable, Comparable {
    public var network: String, station: String, location: String, channel: String
    /// SeedLink's type letter: D data, E event, C calibration, L log…
    public var type: String
    /// The span the server holds, as it writes it ("2026/11/30 14:00:00.0000"), "" when not given.
    public var beginTime: String, endTime: String

    /// "NET.STA.LOC.CHA".
    public var seedID: String { "\(network).\(station).\(location).\(channel)" }

    public static func < (a: SeedLinkStreamInfo, b: SeedLinkStreamInfo) -> Bool { (a.seedID, a.type) < (b.seedID, b.type) }

    /// The streams of an `INFO STREAMS` document (SeisComP's and ringserver's `<seedlink>` with
    /// `<station name network>` holding `<stream location seedname type begin_time end_time>`).
    /// - Throws: `SeedLinkError.badInfo` when the text is not such a document.
    public static func streams(inDocument text: String, server: String) throws(SeedLinkError) -> [SeedLinkStreamInfo] {
        struct Document: Decodable { var station: [Station]? }
        struct Station: Decodable {
            var name: String, network: String
            var stream: [Stream]?
        }
        struct Stream: Decodable {
            var location: String?, seedname: String, type: String?
            var begin_time: String?, end_time: String?
        }
        let document: Document
        do { document = try XMLDecoder().decode(Document.self, from: Data(text.utf8)) } catch {
            throw .badInfo(server: server, reason: "not an INFO STREAMS document (\(error))")
        }
        return (document.station ?? []).flatMap { s in
            (s.stream ?? []).map {
                SeedLinkStreamInfo(
                    network: s.network, station: s.name, location: $0.location ?? "", channel: $0.seedname, type: $0.type ?? "D",
                    beginTime: $0.begin_time ?? "", endTime: $0.end_time ?? "")
            }
        }.sorted()
    }
}

extension SeedLinkClient {
    /// Asks the server at `host:port` for `INFO STREAMS` on a connection of its own (HELLO, INFO,
    /// BYE) and returns the streams it lists, sorted by SEED id.
    /// - Throws: `SeedLinkError.unreachable` (no connection, no answer within the response
    ///   timeout, a server that is not SeedLink's), `.badInfo` (an answer that is not the document).
    public static func streams(host: String, port: Int, settings: SeedLinkSettings = SeedLinkSettings()) throws(SeedLinkError) -> [SeedLinkStreamInfo] {
        let server = "\(host):\(port)"
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let promise = group.next().makePromise(of: String.self)
        let text: String
        do {
            let channel = try ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(settings.connectTimeoutSeconds * 1000)))
                .channelInitializer { $0.pipeline.addHandler(InfoHandler(promise: promise)) }
                .connect(host: host, port: port).wait()
            channel.writeAndFlush(ByteBuffer(string: "HELLO\r\n"), promise: nil)
            group.next().scheduleTask(in: .milliseconds(Int64(settings.responseTimeoutSeconds * 1000))) {
                promise.fail(InfoHandler.Failure(reason: "no complete answer within \(String(format: "%g", settings.responseTimeoutSeconds)) s"))
            }
            defer { channel.close(promise: nil) }
            text = try promise.futureResult.wait()
        } catch let failure as InfoHandler.Failure {
            throw .unreachable(server: server, attempts: 1, reason: failure.reason)
        } catch {
            throw .unreachable(server: server, attempts: 1, reason: SeedLinkClient.describe(error))
        }
        return try SeedLinkStreamInfo.streams(inDocument: text, server: server)
    }
}

/// HELLO's two lines, then INFO STREAMS' frames up to the last; the promise gets their text.
private final class InfoHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    struct Failure: Error { var reason: String }
    let promise: EventLoopPromise<String>
    var bytes: [UInt8] = []
    var helloLines = 2
    var text = ""

    init(promise: EventLoopPromise<String>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bytes += unwrapInboundIn(data).readableBytesView
        while helloLines > 0, let end = bytes.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: bytes[..<end], as: UTF8.self)
            bytes.removeFirst(end + 1)
            if helloLines == 2, !line.contains("SeedLink") {
                return promise.fail(Failure(reason: "the answer to HELLO is '\(SeedLinkPacket.show(Array(line.utf8), limit: 60))', not a SeedLink server's"))
            }
            helloLines -= 1
            if helloLines == 0 { context.writeAndFlush(NIOAny(ByteBuffer(string: "INFO STREAMS\r\n")), promise: nil) }
        }
        while helloLines == 0, bytes.count >= SeedLinkPacket.length {
            let frame = bytes[0..<SeedLinkPacket.length]
            bytes.removeFirst(SeedLinkPacket.length)
            guard case .info(let record, let last)? = try? SeedLinkPacket(frame: frame) else {
                if frame.starts(with: Array("ERROR".utf8)) { return promise.fail(Failure(reason: "the server answered INFO STREAMS with ERROR")) }
                return promise.fail(Failure(reason: "a frame '\(SeedLinkPacket.show(frame))' where INFO frames were due"))
            }
            text += SeedLinkPacket.text(ofRecord: record) ?? ""
            if last {
                context.writeAndFlush(NIOAny(ByteBuffer(string: "BYE\r\n")), promise: nil)
                return promise.succeed(text)
            }
        }
        if helloLines == 0, bytes.starts(with: Array("ERROR".utf8)), bytes.contains(UInt8(ascii: "\n")) {
            promise.fail(Failure(reason: "the server answered INFO STREAMS with ERROR"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(Failure(reason: "the server closed the connection before the INFO answer was complete"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
