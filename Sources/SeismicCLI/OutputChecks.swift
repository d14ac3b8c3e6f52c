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

/// Refuses (as a usage error, before any work) an output file that already holds data the project
/// reads: a record (SAC, miniSEED 2 or 3, SEG-Y, GSE2), station metadata (StationXML) or, unless
/// `datasets` is false (a command whose output is itself a dataset, which a rerun rewrites), a
/// dataset (HDF5, NumPy archive). Such a file may be an input the command finds by itself — a
/// sibling component of a SAC file, a file in an input folder, an SDS day file — which comparing
/// paths with the command line cannot see, and the input folders are not scanned for it (they may be
/// whole archives). `what` names what would be written ("the picks").
func refuseWritingOverData(_ output: String?, writing what: String, datasets: Bool = true) throws {
    guard let output else { return }
    var protected: Set<FileFormat> = [.sac, .miniSEED2, .miniSEED3, .segy, .gse2, .stationXML]
    if datasets { protected.formUnion([.hdf5, .npz]) }
    let format = FileFormat.detect(path: output)
    guard !protected.contains(format) else {
        throw ValidationError("\(output) is a \(format.rawValue) file: writing \(what) there would destroy it; choose another output")
    }
}
