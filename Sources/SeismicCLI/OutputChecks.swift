// Outputs never destroy inputs: each command checks its output paths against its inputs before work.

import ArgumentParser
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
