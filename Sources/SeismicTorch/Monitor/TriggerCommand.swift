// TriggerCommand: the program `monitor --on-trigger` runs on every trigger — found once at start
// (as execvp would find it), run without a shell, its failures counted.

import Foundation

/// An `--on-trigger` program that cannot be run.
public enum TriggerCommandError: Error, CustomStringConvertible, Equatable {
    /// A name without a slash that no directory of PATH holds as an executable file.
    case notFound(program: String, searched: [String])
    /// A path (with a slash) that is not an executable file.
    case notExecutable(path: String)

    public var description: String {
        switch self {
        case .notFound(let p, let dirs):
            return "--on-trigger \(p): no executable file of that name in PATH (\(dirs.isEmpty ? "empty" : dirs.joined(separator: ":"))); "
                + "give a path or install the program"
        case .notExecutable(let p):
            return "--on-trigger \(p): " + (FileManager.default.fileExists(atPath: p) ? "is not an executable file" : "no such file")
        }
    }
}

/// Runs a trigger program (`executable` with `arguments`, each passed as it is, never through a
/// shell) with the event as one line of JSON on its standard input, without waiting for it; counts
/// the runs that failed (the program could not start, or exited non-zero or on a signal) and logs
/// each failure once. Thread-safe: a program's exit is observed on another thread.
public final class TriggerCommand: @unchecked Sendable {
    /// The program's path: as given when it has a slash, else found in PATH.
    public let executable: String
    public let arguments: [String]
    /// Receives one line (no line end) for each failed run.
    public let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private var failedRuns = 0
    private var started: [Process] = []
    /// Failed runs already counted (kept, so that their identifiers are never reused).
    private var accounted: [ObjectIdentifier: Process] = [:]

    /// - Parameters:
    ///   - program: a path (it has a slash), or a name looked up in the directories of `searchPath`
    ///     in order, as execvp does (an empty entry is the current directory; no PATH: /usr/bin:/bin).
    /// - Throws: `TriggerCommandError` when the program is not an executable file or not in PATH.
    public init(
        program: String, arguments: [String], searchPath: String? = ProcessInfo.processInfo.environment["PATH"],
        log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    ) throws {
        executable = try Self.resolve(program, searchPath: searchPath)
        self.arguments = arguments
        self.log = log
    }

    /// The path of `program`: itself when it has a slash (it must be an executable file), else the
    /// first executable file of that name in the directories of `searchPath`.
    /// - Throws: `TriggerCommandError`.
    public static func resolve(_ program: String, searchPath: String?) throws -> String {
        let fm = FileManager.default
        func runnable(_ p: String) -> Bool {
            var isDirectory: ObjCBool = false
            return fm.fileExists(atPath: p, isDirectory: &isDirectory) && !isDirectory.boolValue && fm.isExecutableFile(atPath: p)
        }
        if program.contains("/") {
            guard runnable(program) else { throw TriggerCommandError.notExecutable(path: program) }
            return program
        }
        let dirs = (searchPath ?? "/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        for dir in dirs {
            let candidate = (dir.isEmpty ? "." : dir) + "/" + program
            if !program.isEmpty, runnable(candidate) { return candidate }
        }
        throw TriggerCommandError.notFound(program: program, searched: dirs)
    }

    /// Runs without a shell that failed: could not start, or exited non-zero or on a signal
    /// (counted when the program has ended).
    public var failures: Int { lock.lock(); defer { lock.unlock() }; return failedRuns }

    /// Starts the program with `event` on its standard input; returns without waiting for it. A
    /// program that does not read its standard input (or exits first) is fine: see
    /// `MonitorRunner.writeEvent`.
    /// - Returns: the started process, nil when it could not start (counted and logged).
    @discardableResult
    public func run(event: MonitorLine) -> Process? { run(json: (try? event.jsonText()) ?? "{}") }

    /// Starts the program with `json` (one line, no line end) on its standard input; see `run(event:)`.
    @discardableResult
    public func run(json: String) -> Process? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardInput = pipe
        p.terminationHandler = { [self] in account($0) }
        do {
            try p.run()
        } catch {
            let reason =
                (error as NSError).userInfo[NSUnderlyingErrorKey].map { ($0 as? NSError)?.localizedDescription ?? "\($0)" }
                ?? (error as NSError).localizedDescription
            fail("monitor: --on-trigger \(executable) could not start: \(reason)")
            return nil
        }
        try? MonitorRunner.writeLine(json, to: pipe.fileHandleForWriting)
        try? pipe.fileHandleForWriting.close()
        lock.lock()
        let ended = started.filter { !$0.isRunning }
        started.removeAll { !$0.isRunning }
        started.append(p)
        lock.unlock()
        ended.forEach(account)
        return p
    }

    /// Runs started and not yet ended.
    public var runningCount: Int { lock.lock(); defer { lock.unlock() }; return started.filter(\.isRunning).count }

    /// Waits for the runs still going, at most `timeout` seconds; then kills those still running
    /// (SIGKILL: a program that ignores its end, or waits on a child, cannot hold the monitor's
    /// shutdown) and counts them in `killed`. Returns how many runs were waited for.
    @discardableResult
    public func waitForRunning(timeout: Double = .infinity) -> Int {
        lock.lock()
        let running = started.filter(\.isRunning)
        lock.unlock()
        let deadline = Date().addingTimeInterval(min(timeout, 1e9))
        while running.contains(where: \.isRunning), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        for p in running where p.isRunning {
            // The program's own children first (a script waiting on `sleep` would otherwise keep
            // its end, and ours, waiting), then the program.
            for child in Self.descendants(of: p.processIdentifier) { kill(child, SIGKILL) }
            kill(p.processIdentifier, SIGKILL)
            lock.lock()
            killedRuns += 1
            lock.unlock()
            // Counted as failed once it is reaped ("was killed by signal 9").
            log("monitor: --on-trigger \(executable) still running after \(timeout) s: killing it")
        }
        // SIGKILL cannot be caught or deferred: each killed run ends at once (seen within a
        // bounded wait, so the end of a session never hangs on it).
        let reaped = Date().addingTimeInterval(5)
        while running.contains(where: \.isRunning), Date() < reaped { Thread.sleep(forTimeInterval: 0.02) }
        running.forEach(account)
        return running.count
    }

    /// The processes descended from `pid` (children, their children, …), from /proc on Linux; none
    /// elsewhere or when /proc cannot be read.
    static func descendants(of pid: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var parent: [pid_t: pid_t] = [:]
        for name in entries {
            guard let child = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm) state ppid …": the command name may hold spaces and parentheses.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = pid_t(fields[1]) { parent[child] = ppid }
        }
        var found: [pid_t] = []
        var frontier = [pid]
        while let next = frontier.popLast() {
            for (child, ppid) in parent where ppid == next && !found.contains(child) {
                found.append(child)
                frontier.append(child)
            }
        }
        return found
    }

    /// Runs killed because they were still running when the monitor ended (`waitForRunning`).
    public var killed: Int { lock.lock(); defer { lock.unlock() }; return killedRuns }
    private var killedRuns = 0

    /// "N --on-trigger runs failed" for the summary.
    public var summary: String {
        "\(failures) --on-trigger runs failed (could not start or exited non-zero)" + (killed > 0 ? ", \(killed) of them killed at the end" : "")
    }

    /// Counts and logs an ended run that failed, once (its exit is seen by the termination
    /// handler and by whoever reaps it, in either order).
    private func account(_ p: Process) {
        guard !p.isRunning, p.terminationReason != .exit || p.terminationStatus != 0 else { return }
        lock.lock()
        let first = accounted.updateValue(p, forKey: ObjectIdentifier(p)) == nil
        lock.unlock()
        guard first else { return }
        let how = p.terminationReason == .exit ? "exited with status \(p.terminationStatus)" : "was killed by signal \(p.terminationStatus)"
        fail("monitor: --on-trigger \(executable) \(how)")
    }

    private func fail(_ line: String) {
        lock.lock()
        failedRuns += 1
        lock.unlock()
        log(line)
    }
}
