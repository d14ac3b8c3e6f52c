// OutputPaths: refuse to write an output over one of the command's inputs.

import Foundation

public enum OutputPathError: Error, CustomStringConvertible, Equatable {
    case isInput(output: String, input: String)

    public var description: String {
        switch self {
        case .isInput(let o, let i):
            return o == i
                ? "\(o) is an input of this command: writing it would destroy the input; choose another output"
                : "\(o) is the same file as the input \(i): writing it would destroy the input; choose another output"
        }
    }
}

public enum OutputPaths {
    /// Throws `.isInput` when `output` is, after resolving symbolic links and `..`, the same file
    /// as one of `inputs` (the same path, or the same device and inode: a hard link). Outputs that
    /// do not exist yet cannot be an input, unless their resolved path names one.
    public static func refuseInputs(_ output: String, inputs: [String]) throws {
        let resolvedOutput = resolve(output)
        let outputIdentity = identity(output)
        for input in inputs {
            if resolve(input) == resolvedOutput { throw OutputPathError.isInput(output: output, input: input) }
            if let o = outputIdentity, let i = identity(input), o == i { throw OutputPathError.isInput(output: output, input: input) }
        }
    }

    /// Whether `a` and `b` name one file: the same path once resolved (links, `.`, `..`, the
    /// working folder), or the same device and inode — also when neither exists yet.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        if resolve(a) == resolve(b) { return true }
        if let x = identity(a), let y = identity(b) { return x == y }
        return false
    }

    /// `text` as one file name inside an output folder: every "/", control character and white
    /// space becomes "_", and in a name of only dots (".", "..") or none the first becomes "_"
    /// ("_", "_."). Names made from codes a record's headers give (a SAC KSTNM of "/../../x") can
    /// then never leave the folder.
    public static func fileName(_ text: String) -> String {
        let safe = String(text.map { $0 == "/" || $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) ? "_" : $0 })
        return safe.allSatisfy { $0 == "." } ? "_" + safe.dropFirst() : safe
    }

    /// The path resolved by the kernel's rules (realpath(3): links, `.` and `..`), nil when it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The absolute path resolved as the kernel would: realpath of the longest existing prefix, the
    /// rest appended (an output that does not exist yet).
    /// `path` made absolute and resolved as far as it exists (links, `.`, `..`), the rest appended.
    public static func resolve(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var head = absolute, tail: [String] = []
        while realPath(head) == nil, head != "/", !head.isEmpty {
            tail.insert((head as NSString).lastPathComponent, at: 0)
            head = (head as NSString).deletingLastPathComponent
        }
        let base = realPath(head) ?? head
        return URL(fileURLWithPath: tail.reduce(base) { ($0 as NSString).appendingPathComponent($1) }).standardizedFileURL.path
    }

    private struct Identity: Equatable { let device: UInt64, inode: UInt64 }

    private static func identity(_ path: String) -> Identity? {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        return Identity(device: UInt64(s.st_dev), inode: UInt64(s.st_ino))
    }
}
