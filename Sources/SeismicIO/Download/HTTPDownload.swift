// HTTPDownload: one file over HTTP(S) to disk, resumable, its size checked.

import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Why a download failed. Each names the address; what was received so far stays in
/// `<file>.partial` and a later download resumes from it.
public enum DownloadError: Error, CustomStringConvertible, Equatable {
    /// No answer from the host: offline, a name that does not resolve, a refused connection, a stall.
    case unreachable(url: String, reason: String)
    /// The server answered with an HTTP error status.
    case status(url: String, code: Int)
    /// The body ended before the length the server stated, after every retry.
    case incomplete(url: String, received: Int64, expected: Int64, reason: String)
    /// The file could not be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreachable(let u, let r): return "cannot reach \(u): \(r)"
        case .status(let u, let c): return "\(u): the server answered HTTP \(c) (\(HTTPURLResponse.localizedString(forStatusCode: c)))"
        case .incomplete(let u, let got, let want, let r):
            return "\(u): the transfer stopped at \(got) of \(want) bytes (\(r)); what arrived is kept, and fetching again resumes from it"
        case .cannotWrite(let p, let r): return "\(p): cannot write: \(r)"
        }
    }
}

/// Downloads over HTTP(S) with Foundation's URLSession (libcurl on Linux; honours `https_proxy`).
/// A file is written to `<path>.partial` and renamed to `path` once its size equals the length the
/// server stated (Content-Length, or the total of a Content-Range; asked uncompressed) — or, from a
/// server that states no length, once the transfer ends without error; an existing partial file is
/// resumed with a `Range` request (a server that ignores it sends the whole file again, which
/// replaces the partial); a transfer that breaks off is retried, resuming, up to `retries` times
/// with 1, 2, 4 … s between attempts. `idleTimeout` bounds the wait for each next byte.
public struct HTTPDownload: Sendable {
    public var idleTimeout: TimeInterval = 60
    public var retries = 3
    /// Seconds before the first retry (doubled for each next one).
    public var retryDelay: TimeInterval = 1

    public init() {}

    /// What `fetch` did.
    public struct Outcome: Sendable, Equatable {
        /// Bytes of the whole file.
        public var bytes: Int64
        /// Bytes of an earlier partial file that were kept (resumed), 0 for a fresh download or
        /// when the server sent the whole file again.
        public var resumedFrom: Int64
        /// Attempts made (1 when nothing broke off).
        public var attempts: Int
    }

    /// Downloads `url` to `path` (its folder must exist); a failure leaves what arrived in
    /// `<path>.partial` for the next call to resume.
    /// - Parameter progress: called with bytes received so far (of the whole file) and the whole
    ///   file's length when the server stated it.
    /// - Throws: `DownloadError`.
    public func fetch(_ url: URL, to path: String, progress: @escaping @Sendable (Int64, Int64?) -> Void = { _, _ in }) throws(DownloadError)
        -> Outcome
    {
        let partial = path + ".partial"
        // Bytes that were on disk before this call and are kept: lowered when a server sends the
        // whole file again instead of the rest.
        var kept = Self.size(of: partial)
        var attempt = 0
        while true {
            attempt += 1
            let have = Self.size(of: partial)
            let result = transfer(url, into: partial, from: have, progress: progress)
            if let start = result.startedAt { kept = min(kept, start) }
            var failure = result.failure
            if failure == nil, let total = result.total, Self.size(of: partial) != total {
                failure = .incomplete(url: url.absoluteString, received: Self.size(of: partial), expected: total, reason: "the connection closed early")
            }
            if let failure {
                // A transfer that broke off, or stalled, is tried again (resuming); a host that
                // cannot be reached at all, an HTTP error status or a write error is reported at once.
                guard result.retryable || failure.isIncomplete, attempt <= retries else { throw failure }
                Thread.sleep(forTimeInterval: retryDelay * pow(2, Double(attempt - 1)))
                continue
            }
            do {
                if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
                try FileManager.default.moveItem(atPath: partial, toPath: path)
            } catch {
                throw DownloadError.cannotWrite(path: path, reason: "\(error)")
            }
            return Outcome(bytes: Self.size(of: path), resumedFrom: kept, attempts: attempt)
        }
    }

    /// The body of `url` (a small file: a chunk list); nil when the server answers 404.
    /// - Throws: `DownloadError` for another status or a failed transfer.
    public func body(_ url: URL) throws(DownloadError) -> Data? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("seismic-fetch-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: path + ".partial") }
        let result = transfer(url, into: path + ".partial", from: 0, progress: { _, _ in })
        if case .status(_, 404) = result.failure { return nil }
        if let failure = result.failure { throw failure }
        return FileManager.default.contents(atPath: path + ".partial")
    }

    static func size(of path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// One request: appends to `partial` from byte `offset` (or rewrites it when the server sends
    /// the whole file). Returns the whole file's length when the server stated it, the failure if
    /// any, whether trying again may help, and the byte the server's answer started at (nil
    /// without an answer).
    private func transfer(_ url: URL, into partial: String, from offset: Int64, progress: @escaping @Sendable (Int64, Int64?) -> Void)
        -> (total: Int64?, failure: DownloadError?, retryable: Bool, startedAt: Int64?)
    {
        if !FileManager.default.fileExists(atPath: partial) {
            guard FileManager.default.createFile(atPath: partial, contents: nil) else {
                return (nil, .cannotWrite(path: partial, reason: "the folder is missing or not writable"), false, nil)
            }
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: idleTimeout)
        request.setValue("SeismicTorch", forHTTPHeaderField: "User-Agent")
        // The bytes as stored: a compressed answer's length would not be the file's.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        let receiver = Receiver(path: partial, offset: offset, url: url, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        let session = URLSession(configuration: configuration, delegate: receiver, delegateQueue: nil)
        session.dataTask(with: request).resume()
        receiver.done.wait()
        session.finishTasksAndInvalidate()
        return (receiver.total, receiver.failure, receiver.retryable, receiver.startedAt)
    }
}

extension DownloadError {
    var isIncomplete: Bool {
        if case .incomplete = self { return true }
        return false
    }
}

/// Receives one response into the partial file (URLSession's delegate; its callbacks run serially).
private final class Receiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let path: String
    let url: URL
    let offset: Int64
    let progress: @Sendable (Int64, Int64?) -> Void
    let done = DispatchSemaphore(value: 0)
    var handle: FileHandle?
    var received: Int64 = 0
    var total: Int64?
    var failure: DownloadError?
    /// Whether the failure may pass on another try (a stall or a connection lost mid-way).
    var retryable = false
    /// The byte the answer's body starts at: the offset asked for (206), 0 for the whole file (200).
    var startedAt: Int64?
    /// Set when this receiver ended the task itself (its cancellation is not a network failure).
    var stopped = false

    init(path: String, offset: Int64, url: URL, progress: @escaping @Sendable (Int64, Int64?) -> Void) {
        self.path = path
        self.offset = offset
        self.url = url
        self.progress = progress
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let http = response as? HTTPURLResponse else {
            failure = .unreachable(url: url.absoluteString, reason: "not an HTTP answer")
            completionHandler(.cancel)
            return
        }
        var start: Int64 = 0
        switch http.statusCode {
        case 206:
            // "bytes a-b/total": resume at a (which must be what we have).
            let range = http.value(forHTTPHeaderField: "Content-Range") ?? ""
            let numbers = range.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
            guard numbers.count >= 2, numbers[0] == offset else {
                failure = .unreachable(url: url.absoluteString, reason: "the server resumed at another byte than asked (\(range))")
                completionHandler(.cancel)
                return
            }
            start = offset
            total = numbers.count >= 3 ? numbers[2] : nil
        case 200:
            total = http.expectedContentLength >= 0 ? http.expectedContentLength : nil
        case 416 where offset > 0:
            // Nothing after what we have: the partial file is the whole file when its size is the
            // stated total; otherwise it is not this file's beginning (a longer stale partial):
            // it is emptied and the next try starts from zero.
            let range = http.value(forHTTPHeaderField: "Content-Range") ?? ""
            if let whole = range.split(separator: "/").last.flatMap({ Int64($0) }), whole == offset {
                total = whole
                received = offset
                startedAt = offset
            } else {
                try? FileManager.default.removeItem(atPath: path)
                startedAt = 0
                failure = .incomplete(
                    url: url.absoluteString, received: 0, expected: -1, reason: "the partial file did not fit the file on the server; starting again")
            }
            stopped = true
            completionHandler(.cancel)
            return
        default:
            failure = .status(url: url.absoluteString, code: http.statusCode)
            completionHandler(.cancel)
            return
        }
        do {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try h.truncate(atOffset: UInt64(start))
            try h.seek(toOffset: UInt64(start))
            handle = h
            received = start
            startedAt = start
            completionHandler(.allow)
        } catch {
            failure = .cannotWrite(path: path, reason: "\(error)")
            completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil, let handle else { return }
        do {
            try handle.write(contentsOf: data)
            received += Int64(data.count)
            progress(received, total)
        } catch {
            failure = .cannotWrite(path: path, reason: "\(error)")
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        try? handle?.synchronize()
        try? handle?.close()
        if failure == nil, let error, !stopped {
            let e = error as NSError
            let reason = e.localizedDescription
            if let total, received > offset {
                failure = .incomplete(url: url.absoluteString, received: received, expected: total, reason: reason)
            } else {
                failure = .unreachable(url: url.absoluteString, reason: reason + Self.hint(e))
            }
            retryable = ![NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed, NSURLErrorNotConnectedToInternet, NSURLErrorCannotConnectToHost]
                .contains(e.code)
        }
        done.signal()
    }

    /// What to try for a connection that never started.
    static func hint(_ e: NSError) -> String {
        switch e.code {
        case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed, NSURLErrorNotConnectedToInternet:
            return " (offline, or the name does not resolve: check the network or a proxy in https_proxy)"
        case NSURLErrorTimedOut: return " (no answer in time: a stalled server or network)"
        case NSURLErrorCannotConnectToHost: return " (connection refused)"
        default: return ""
        }
    }
}
