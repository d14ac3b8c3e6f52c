// Outputs never destroy inputs: each command checks its output paths against its inputs before work.

import ArgumentParser
import Foundation
import SeismicIO

/// Refuses (as a usage error, exit 64) an output that is one of `inputs` (the same file after
/// resolving links, or a hard link to it).
func refuseOverwriting(inputs: [String], with outputs: String?...) throws {
    try refuseOverwriting(inputs: inputs, with: outputs.compactMap { $0 })
}

func refuseOverwriting(inputs: [String], with outputs: [String]) throws {
    for output in outputs {
        do { try OutputPaths.refuseInputs(output, inputs: inputs) } catch { throw ValidationError("\(error)") }
    }
}

/// Refuses (as a usage error, before any work) an output file that cannot be written: a path that
/// is a folder, or whose folder does not exist or is not writable.
func checkOutputFile(_ path: String?, option: String) throws {
    guard let path else { return }
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        throw ValidationError("\(option) \(path) is a folder; give a file name")
    }
    let parent = (path as NSString).deletingLastPathComponent
    let folder = parent.isEmpty ? "." : parent
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
        throw ValidationError("\(option) \(path): the folder \(folder) does not exist")
    }
    guard access(folder, W_OK) == 0 else { throw ValidationError("\(option) \(path): the folder \(folder) is not writable") }
}

/// Refuses (as a usage error, before any work) an output folder that is empty text, an existing
/// file, below a file (a path that can never be created), below a folder that cannot be written,
/// or inside one of the input folders `inputs` (its files would be read as inputs next time).
func checkOutputFolder(_ path: String?, option: String, inputs: [String] = []) throws {
    guard let path else { return }
    guard !path.isEmpty else { throw ValidationError("\(option) is empty: name a folder") }
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
        throw ValidationError("\(option) \(path) is a file, not a folder")
    }
    // The nearest part of the path that exists must be a writable folder.
    let existing = nearestExistingPath(path)
    guard FileManager.default.fileExists(atPath: existing, isDirectory: &isFolder), isFolder.boolValue else {
        throw ValidationError("\(option) \(path) cannot be made: \(existing) is a file")
    }
    guard access(existing, W_OK) == 0 else { throw ValidationError("\(option) \(path): the folder \(existing) is not writable") }
    let output = OutputPaths.resolve(path)
    for input in inputs where InputPaths.isFolder(input) {
        guard let folder = OutputPaths.realPath(input) else { continue }
        if output == folder || output.hasPrefix(folder + "/") {
            throw ValidationError(
                "\(option) \(path) is inside the input folder \(input): its files would be read as records next time; choose a folder outside it")
        }
    }
}

/// The longest leading part of `path` (resolved to an absolute path) that exists: the path itself,
/// or the folder a new output would be made under ("/" at the end).
func nearestExistingPath(_ path: String) -> String {
    var existing = OutputPaths.resolve(path)
    while !FileManager.default.fileExists(atPath: existing), existing != "/" { existing = (existing as NSString).deletingLastPathComponent }
    return existing
}

/// Refuses (as a usage error, before any work) an output that is an existing record — a SAC or
/// miniSEED file, which a dataset written there would destroy — without scanning the input
/// folders (they may be whole archives).
func refuseWritingOverARecord(_ output: String) throws {
    let format = FileFormat.detect(path: output)
    guard format != .sac, format != .miniSEED2 else {
        throw ValidationError("\(output) is a \(format.rawValue) record: writing the dataset there would destroy it; choose another output")
    }
}
