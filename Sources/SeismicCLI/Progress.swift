// Progress: a live line with rate and ETA on a terminal, occasional plain lines otherwise (stderr).

import Foundation

/// Reports `done / total` with items/s and the time left. On a terminal the line is redrawn in
/// place; in logs a line is printed every 10 %.
final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private let unit: String
    private let start = Date()
    private let interactive = isatty(STDERR_FILENO) != 0
    private var lastDecile = -1
    private var lastDraw = Date.distantPast

    init(_ label: String, unit: String) {
        self.label = label
        self.unit = unit
    }

    /// Thread-safe: parallel workers may report.
    func update(_ done: Int, of total: Int) {
        lock.lock()
        defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "%@ %d/%d %@ (%.0f %@/s, %.0f s left)", label, done, total, unit, rate, unit, eta)
        if interactive {
            if Date().timeIntervalSince(lastDraw) > 0.1 || done == total {
                writeStandardError("\r\u{1B}[K" + line + (done == total ? "\n" : ""))
                lastDraw = Date()
            }
        } else {
            let decile = total > 0 ? done * 10 / total : 10
            if decile != lastDecile {
                lastDecile = decile
                writeStandardError(line + "\n")
            }
        }
    }
}

/// A table of label / value rows for the end-of-command summary.
func printSummary(_ title: String, _ rows: [(String, String)]) {
    print(title)
    let width = rows.map(\.0.count).max() ?? 0
    for (k, v) in rows { print("  " + k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
}
