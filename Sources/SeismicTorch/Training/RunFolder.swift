// RunFolder: a training run's folder as a sequence of consistent generations, one per epoch.

import Foundation
import SeismicIO

public enum RunFolderError: Error, CustomStringConvertible, Equatable {
    case inUse(folder: String, holder: String)
    case runExists(folder: String, epochs: Int)
    case inconsistent(folder: String, reason: String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .inUse(let f, let h):
            return "\(f) is in use by another training (\(h)); wait for it to finish or choose another --out"
        case .runExists(let f, let n):
            return "\(f) already holds a training run (\(n) epoch\(n == 1 ? "" : "s") done); pass --resume to continue it, or choose another --out"
        case .inconsistent(let f, let r): return "cannot resume \(f): \(r)"
        case .io(let p, let r): return "\(p): \(r)"
        }
    }
}

/// A run folder holds its state in generation folders `state-000007/` (everything written after
/// epoch 7: checkpoints, optimizer state, history, metrics, plots, report and `state.json`, which
/// names the epoch, the optimizer step and a checksum of every file). A generation is written in
/// full under a temporary name, flushed to disk, renamed, and made current by replacing the
/// symbolic link `current` in one atomic rename; the names users open (`best.safetensors`, …) are
/// links through `current`. So a kill, a full disk or a failed write at any moment leaves the
/// previous generation current and whole. A lock (`.lock`, flock) keeps a second training out;
/// the kernel releases it when the process ends, so a lock is never stale.
public final class RunFolder {
    public let path: String
    private var lockDescriptor: Int32 = -1
    static let current = "current", manifest = "state.json", lock = ".lock"

    /// Creates the folder if needed and takes its lock. Throws `.inUse` when another process (or
    /// another run in this process) holds it.
    public init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RunFolderError.io(path: path, reason: "cannot create the run folder: \(error.localizedDescription)")
        }
        let lockPath = path + "/" + Self.lock
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunFolderError.io(path: lockPath, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            throw RunFolderError.inUse(folder: path, holder: holder.map { $0.isEmpty ? "unknown process" : $0 } ?? "unknown process")
        }
        let note = "process \(getpid()) on \(ProcessInfo.processInfo.hostName)\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
        lockDescriptor = fd
    }

    deinit { release() }

    /// Releases the lock (also done when the process ends).
    public func release() {
        if lockDescriptor >= 0 { close(lockDescriptor); lockDescriptor = -1 }
    }

    /// The current generation's folder, if the run has one.
    public var currentGeneration: String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path + "/" + Self.current) else { return nil }
        return path + "/" + target
    }

    /// Epochs completed by the run in this folder: from the current generation, or (a folder written
    /// before generations existed) from a plain `last.safetensors`; nil when the folder holds no run.
    public func completedEpochs() -> Int? {
        if let g = currentGeneration, let m = try? Manifest.read(g + "/" + Self.manifest) { return m.epochs }
        if FileManager.default.fileExists(atPath: path + "/" + RunFiles.last),
            let card = try? Checkpoint.load(from: path + "/" + RunFiles.last).card
        {
            return card.history.count
        }
        return nil
    }

    /// What `state.json` records of a generation.
    struct Manifest: Codable {
        var epochs: Int
        var optimizerStep: Int
        /// File name → FNV-1a 64-bit checksum of its bytes (hex).
        var files: [String: String]
        /// What a resume must keep (hyper-parameters, the data's checksum): name → value.
        var settings: [String: String]? = nil

        static func read(_ path: String) throws -> Manifest {
            try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }

    /// Checks the current generation before a resume: every file it lists is present with its
    /// checksum, and the checkpoint and optimizer state are of the manifest's epoch and step.
    /// A folder without generations (older layout) has nothing to check.
    func verifyCurrent(lastEpochs: Int, optimizerStep: Int, settings: [String: String]) throws {
        guard let g = currentGeneration else { return }
        let manifest: Manifest
        do { manifest = try Manifest.read(g + "/" + Self.manifest) } catch {
            throw RunFolderError.inconsistent(folder: path, reason: "\(g)/\(Self.manifest) is unreadable (\(error))")
        }
        for (name, sum) in manifest.files.sorted(by: { $0.key < $1.key }) {
            guard let data = FileManager.default.contents(atPath: g + "/" + name) else {
                throw RunFolderError.inconsistent(folder: path, reason: "\(name) of the generation after epoch \(manifest.epochs) is missing")
            }
            guard FNV1a.hex(data) == sum else {
                throw RunFolderError.inconsistent(folder: path, reason: "\(name) does not match the checksum recorded after epoch \(manifest.epochs)")
            }
        }
        guard lastEpochs == manifest.epochs, optimizerStep == manifest.optimizerStep else {
            throw RunFolderError.inconsistent(
                folder: path,
                reason: "the checkpoint holds \(lastEpochs) epochs and the optimizer step \(optimizerStep), "
                    + "but the generation records \(manifest.epochs) epochs at step \(manifest.optimizerStep)")
        }
        // The same training continues only with the same settings and data.
        let changed = (manifest.settings ?? [:]).sorted { $0.key < $1.key }.compactMap { key, was -> String? in
            guard let now = settings[key], now != was else { return nil }
            return "\(key) was \(was), now \(now)"
        }
        guard changed.isEmpty else {
            throw RunFolderError.inconsistent(
                folder: path,
                reason: "the run was started with other settings (" + changed.joined(separator: "; ")
                    + "); resume with the run's settings, or train into another folder")
        }
    }

    /// A generation being written: files go into a temporary folder until `commit`.
    public final class Generation {
        public let folder: String
        let epochs: Int
        init(folder: String, epochs: Int) { self.folder = folder; self.epochs = epochs }
        public func path(_ name: String) -> String { folder + "/" + name }
    }

    /// Starts the generation after `epochs` completed epochs (any unfinished one left by a crash is
    /// removed first).
    public func beginGeneration(epochs: Int) throws -> Generation {
        let temporary = path + "/" + String(format: ".state-%06d.partial", epochs)
        try? FileManager.default.removeItem(atPath: temporary)
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: temporary, withIntermediateDirectories: false)
            // Files this generation does not rewrite (the best checkpoint of an earlier epoch, its
            // metrics and plots) are carried over by hard link; writers replace a name by rename, so
            // the previous generation's files are never modified.
            if let previous = currentGeneration {
                for name in try fm.contentsOfDirectory(atPath: previous) where name != Self.manifest {
                    try fm.linkItem(atPath: previous + "/" + name, toPath: temporary + "/" + name)
                }
            }
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw RunFolderError.io(path: temporary, reason: error.localizedDescription)
        }
        return Generation(folder: temporary, epochs: epochs)
    }

    /// Makes `generation` current: its files are checksummed into `state.json` and flushed, the
    /// folder renamed and `current` switched in one rename; older generations are then removed. On any error the previous generation stays current and the
    /// temporary folder is removed.
    public func commit(_ generation: Generation, optimizerStep: Int, settings: [String: String] = [:]) throws {
        let fm = FileManager.default
        var switched = false
        do {
            var sums: [String: String] = [:]
            for name in try fm.contentsOfDirectory(atPath: generation.folder) {
                guard let data = fm.contents(atPath: generation.path(name)) else { continue }
                sums[name] = FNV1a.hex(data)
            }
            let manifest = Manifest(epochs: generation.epochs, optimizerStep: optimizerStep, files: sums, settings: settings)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: generation.path(Self.manifest)))
            for name in try fm.contentsOfDirectory(atPath: generation.folder) { try Self.flush(generation.path(name)) }
            try Self.flush(generation.folder)
            let finalName = String(format: "state-%06d", generation.epochs)
            try? fm.removeItem(atPath: path + "/" + finalName)
            try Self.rename(generation.folder, path + "/" + finalName)
            // The names users open are links through `current`, made before the switch (a link into a
            // generation that is not current yet is harmless) so that no moment has a current
            // generation without them. A plain file of an older layout is replaced after the switch.
            let names = try fm.contentsOfDirectory(atPath: path + "/" + finalName).filter { $0 != Self.manifest }
            var legacy: [String] = []
            for name in names {
                let visible = path + "/" + name
                if (try? fm.destinationOfSymbolicLink(atPath: visible)) == Self.current + "/" + name { continue }
                if (try? fm.attributesOfItem(atPath: visible)) != nil { legacy.append(name); continue }
                try link(name)
            }
            let temporaryCurrent = path + "/.current.tmp"
            try? fm.removeItem(atPath: temporaryCurrent)
            try fm.createSymbolicLink(atPath: temporaryCurrent, withDestinationPath: finalName)
            try Self.rename(temporaryCurrent, path + "/" + Self.current)
            switched = true
            for name in legacy { try link(name) }
            try Self.flush(path)
            for old in try fm.contentsOfDirectory(atPath: path) where old.hasPrefix("state-") && old != finalName {
                try? fm.removeItem(atPath: path + "/" + old)
            }
        } catch {
            try? fm.removeItem(atPath: generation.folder)
            if let e = error as? RunFolderError, !switched { throw e }
            throw RunFolderError.io(
                path: generation.folder,
                reason: "writing the generation after epoch \(generation.epochs) failed: "
                    + "\(error)"
                    + (switched
                        ? "; that generation is current, but some of the names linking to it are missing"
                        : "; the previous state stays current"))
        }
    }

    /// `path/name` as a link to `current/name`, replacing what is there in one rename.
    private func link(_ name: String) throws {
        let temporary = path + "/.\(name).link"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: Self.current + "/" + name)
        try Self.rename(temporary, path + "/" + name)
    }

    /// Where to read `name` of the run's state: in the current generation when there is one (never
    /// through a link that a crash may have left missing), else the folder's plain file.
    public func stateFile(_ name: String) -> String {
        (currentGeneration ?? path) + "/" + name
    }

    private static func flush(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RunFolderError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw RunFolderError.io(path: path, reason: "fsync: \(String(cString: strerror(errno)))") }
    }

    private static func rename(_ from: String, _ to: String) throws {
        guard Foundation.rename(from, to) == 0 else {
            throw RunFolderError.io(path: to, reason: "rename from \(from): \(String(cString: strerror(errno)))")
        }
    }
}
