// LocalHTTPServer: a static file server on 127.0.0.1 for download tests (SwiftNIO), with Range
// requests and the failures a real host shows: a connection cut mid-body, Range ignored, an error
// status, a server that never answers.

import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves the files under `root` at `http://127.0.0.1:PORT/<relative path>` (GET only).
public final class LocalHTTPServer: Sendable {
    /// How the server answers one path.
    public enum Behaviour: Sendable {
        case normal
        /// The first answer for the path states the whole length, sends `bytes` of the body and closes the connection.
        case cutOnceAfter(bytes: Int)
        /// Every answer is the whole file (200), whatever Range asks.
        case ignoreRange
        case status(Int)
        /// Never answers (the client's idle timeout must end the wait).
        case stall
    }

    public struct Request: Sendable, Equatable {
        public var path: String
        public var range: String?
    }

    struct State {
        var behaviours: [String: Behaviour] = [:]
        var cutDone: Set<String> = []
        var requests: [Request] = []
    }

    public let port: Int
    let root: String
    let state = NIOLockedValueBox(State())
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// Starts serving `root` on a free port of 127.0.0.1.
    public init(root: String) throws {
        self.root = root
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = ServerBox()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Handler(server: box)) }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
        box.server = self
    }

    /// The base address, ending in "/".
    public var url: URL { URL(string: "http://127.0.0.1:\(port)/")! }

    public func setBehaviour(_ behaviour: Behaviour, for path: String) { state.withLockedValue { $0.behaviours[path] = behaviour } }

    /// Every request so far, in order.
    public var requests: [Request] { state.withLockedValue { $0.requests } }

    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

}

/// Lets handlers reach the server once it is built (the bootstrap needs them first).
final class ServerBox: @unchecked Sendable {
    weak var server: LocalHTTPServer?
}

private final class Handler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let server: ServerBox
    var head: HTTPRequestHead?

    init(server: ServerBox) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head, let server = server.server else { return }
            respond(context: context, head: head, server: server)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, server: LocalHTTPServer) {
        let path = String(head.uri.drop { $0 == "/" })
        let range = head.headers.first(name: "Range")
        let behaviour: LocalHTTPServer.Behaviour = server.state.withLockedValue { s in
            s.requests.append(.init(path: path, range: range))
            var b = s.behaviours[path] ?? .normal
            if case .cutOnceAfter = b {
                if s.cutDone.contains(path) { b = .normal } else { s.cutDone.insert(path) }
            }
            return b
        }
        if case .stall = behaviour { return }
        if case .status(let code) = behaviour { return send(context, status: .init(statusCode: code), headers: [], body: [], close: false) }
        guard let data = FileManager.default.contents(atPath: server.root + "/" + path) else {
            return send(context, status: .notFound, headers: [], body: [], close: false)
        }
        let bytes = [UInt8](data)
        var start = 0
        if let range, range.hasPrefix("bytes="), range.hasSuffix("-"), let from = Int(range.dropFirst(6).dropLast()) {
            if case .ignoreRange = behaviour {
                start = 0
            } else if from >= bytes.count {
                return send(context, status: .rangeNotSatisfiable, headers: [("Content-Range", "bytes */\(bytes.count)")], body: [], close: false)
            } else {
                start = from
            }
        }
        let status: HTTPResponseStatus = start > 0 ? .partialContent : .ok
        var headers = [("Content-Length", "\(bytes.count - start)")]
        if start > 0 { headers.append(("Content-Range", "bytes \(start)-\(bytes.count - 1)/\(bytes.count)")) }
        var body = Array(bytes[start...])
        var close = false
        if case .cutOnceAfter(let n) = behaviour {
            body = Array(body.prefix(n))
            close = true
        }
        send(context, status: status, headers: headers, body: body, close: close)
    }

    private func send(_ context: ChannelHandlerContext, status: HTTPResponseStatus, headers: [(String, String)], body: [UInt8], close: Bool) {
        var h = HTTPHeaders(headers)
        if !h.contains(name: "Content-Length") { h.add(name: "Content-Length", value: "\(body.count)") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: h))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if close {
            // Cut: flush what was written and close without ending the message.
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(capacity: 0)))))
                .whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
