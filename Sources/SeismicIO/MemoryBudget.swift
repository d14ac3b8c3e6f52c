// MemoryBudget: how much memory this process may still take, so a command that would be killed
// for its size fails first, with the figure.

import Foundation

#if canImport(Glibc)
    import Glibc
    private let RLIMIT_AS_VALUE = Int32(RLIMIT_AS.rawValue)
#else
    private let RLIMIT_AS_VALUE = RLIMIT_AS
#endif

/// The memory a process may still allocate: the least of the machine's available memory
/// (`MemAvailable` in /proc/meminfo), the room left under its cgroup's `memory.max` (containers,
/// systemd units, batch schedulers) and the room left under `ulimit -v` (RLIMIT_AS).
public struct MemoryBudget: Sendable, Equatable {
    /// Bytes the process may still allocate.
    public var availableBytes: Int
    /// Which limit sets `availableBytes`, in words a user can act on.
    public var limitedBy: String

    public init(availableBytes: Int, limitedBy: String) {
        self.availableBytes = availableBytes
        self.limitedBy = limitedBy
    }

    /// The budget now, or nil when no limit can be read (not Linux, /proc not mounted).
    public static func current() -> MemoryBudget? {
        var candidates: [MemoryBudget] = []
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
            let kb = field("MemAvailable:", in: meminfo)
        {
            candidates.append(MemoryBudget(availableBytes: kb * 1024, limitedBy: "the machine's available memory (MemAvailable)"))
        }
        if let max = cgroupValue("memory.max"), let used = cgroupValue("memory.current") {
            candidates.append(MemoryBudget(availableBytes: Swift.max(0, max - used), limitedBy: "the cgroup's memory.max"))
        }
        var limit = rlimit()
        if getrlimit(RLIMIT_AS_VALUE, &limit) == 0, limit.rlim_cur < UInt64(Int.max),
            let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8), let vmKB = field("VmSize:", in: status)
        {
            // Address space is not resident memory: each worker thread's malloc arena and stack,
            // and OpenBLAS's 128 MB buffer per thread, take address space that is never resident
            // (and OpenBLAS retries a failed buffer forever: a hang under ulimit -v, seen at
            // 1.6 GB for a record needing 1.34 GB resident). Measured for `seismic classify` on
            // 2 cores: peak VmSize − peak VmRSS = 0.72 GB at every record length; taken as
            // 256 MB + 256 MB per core.
            let reserve = 256 << 20 + (256 << 20) * ProcessInfo.processInfo.activeProcessorCount
            candidates.append(
                MemoryBudget(
                    availableBytes: Swift.max(0, Int(limit.rlim_cur) - vmKB * 1024 - reserve),
                    limitedBy: "the address-space limit (ulimit -v)"))
        }
        return candidates.min { $0.availableBytes < $1.availableBytes }
    }

    /// Throws when `neededBytes` exceed the budget.
    /// - Parameter what: the work, as the error should name it ("classifying ST01.HNE.sac").
    public func check(neededBytes: Int, for what: String) throws(InsufficientMemoryError) {
        guard neededBytes > availableBytes else { return }
        throw InsufficientMemoryError(what: what, neededBytes: neededBytes, availableBytes: availableBytes, limitedBy: limitedBy)
    }

    /// The number (kB) after `key` in a /proc file's "Key:   123 kB" lines.
    public static func field(_ key: String, in text: String) -> Int? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return nil }
        return line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
    }

    /// A cgroup v2 memory file of this process's cgroup, in bytes; nil for "max" or when absent.
    static func cgroupValue(_ name: String) -> Int? {
        guard
            let line = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8))?
                .split(separator: "\n").first(where: { $0.hasPrefix("0::") })
        else { return nil }
        let path = "/sys/fs/cgroup" + line.dropFirst(3) + "/" + name
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Work that needs more memory than the process may take; raised before the work starts.
public struct InsufficientMemoryError: Error, CustomStringConvertible, Equatable {
    public var what: String
    public var neededBytes: Int
    public var availableBytes: Int
    public var limitedBy: String

    public var description: String {
        "\(what) needs about \(Self.format(neededBytes)) of memory, but only \(Self.format(availableBytes)) is available "
            + "(\(limitedBy)); stopped before reading instead of being killed"
    }

    /// Bytes as "1.3 GB" (powers of 1000, as `free --si` and disk tools print them).
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
