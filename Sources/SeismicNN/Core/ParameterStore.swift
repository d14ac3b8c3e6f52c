// ParameterStore: every parameter, gradient and buffer of a model in arenas, addressed by PyTorch names.

/// What a named state entry is (PyTorch: `named_parameters()` vs `named_buffers()`).
public enum StateKind: Sendable, Equatable {
    /// Trainable, with a gradient.
    case parameter
    /// A float buffer such as `bn1.running_mean`.
    case buffer
    /// BatchNorm's int64 `num_batches_tracked`.
    case counter
}

/// One named tensor in a store.
public struct StateEntry: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let kind: StateKind
    /// Offset into the arena of its kind (parameters: `values`/`gradients`; buffers: `buffers`;
    /// counters: index into `counters`).
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// Parameters, gradients and buffers, each in one allocation (stable addresses for the kernels).
/// The optimizer, gradient zeroing and checkpointing each walk one list. Entries keep PyTorch's
/// `state_dict()` order.
///
/// Parameter values are read through `values` and `pointer(_:)` (read-only) and written only through
/// `set`, `copyState`, `withMutableValues(of:_:)` and `withMutableParameters(_:)`, each of which
/// advances `version`: a cache derived from the weights (ConvBlock's weight matrices) is valid while
/// the version it was built at is current.
public final class ParameterStore: @unchecked Sendable {
    public let entries: [StateEntry]
    private let index: [String: Int]
    public let parameterCount: Int
    public let bufferCount: Int
    /// Parameter values (read-only here; see `withMutableParameters`), `parameterCount` of them.
    public var values: UnsafePointer<Float> { UnsafePointer(parameterValues) }
    private let parameterValues: UnsafeMutablePointer<Float>
    /// The parameters' gradients, `parameterCount` of them.
    public let gradients: UnsafeMutablePointer<Float>
    /// Advances on every write of a parameter value through the store's API (starts at 0).
    public private(set) var version: UInt64 = 0
    /// Float buffers (running statistics): no cache derives from them, so they are written in place.
    public let buffers: UnsafeMutablePointer<Float>
    /// Int64 counters (`num_batches_tracked`).
    public var counters: [Int64]

    /// A store for `specs` in order; parameters and buffers start at zero.
    public init(_ specs: [(name: String, shape: [Int], kind: StateKind)]) {
        var entries: [StateEntry] = []
        var p = 0, b = 0, c = 0
        for s in specs {
            let n = s.shape.reduce(1, *)
            switch s.kind {
            case .parameter: entries.append(StateEntry(name: s.name, shape: s.shape, kind: .parameter, offset: p)); p += n
            case .buffer: entries.append(StateEntry(name: s.name, shape: s.shape, kind: .buffer, offset: b)); b += n
            case .counter: entries.append(StateEntry(name: s.name, shape: [], kind: .counter, offset: c)); c += 1
            }
        }
        self.entries = entries
        var idx: [String: Int] = [:]
        for (i, e) in entries.enumerated() {
            precondition(idx[e.name] == nil, "duplicate state name \(e.name)")
            idx[e.name] = i
        }
        index = idx
        parameterCount = p
        bufferCount = b
        parameterValues = .allocate(capacity: max(p, 1))
        parameterValues.initialize(repeating: 0, count: max(p, 1))
        gradients = .allocate(capacity: max(p, 1))
        gradients.initialize(repeating: 0, count: max(p, 1))
        buffers = .allocate(capacity: max(b, 1))
        buffers.initialize(repeating: 0, count: max(b, 1))
        counters = [Int64](repeating: 0, count: c)
    }

    deinit {
        parameterValues.deallocate()
        gradients.deallocate()
        buffers.deallocate()
    }

    public var parameterEntries: [StateEntry] { entries.filter { $0.kind == .parameter } }

    public func entry(_ name: String) -> StateEntry? { index[name].map { entries[$0] } }

    /// The entry called `name`; a missing name is a programming error.
    public func require(_ name: String) -> StateEntry {
        guard let e = entry(name) else { preconditionFailure("no state entry \(name)") }
        return e
    }

    /// Address of an entry's values, for reading.
    public func pointer(_ e: StateEntry) -> UnsafePointer<Float> { UnsafePointer(mutablePointer(e)) }

    private func mutablePointer(_ e: StateEntry) -> UnsafeMutablePointer<Float> {
        switch e.kind {
        case .parameter: return parameterValues + e.offset
        case .buffer: return buffers + e.offset
        case .counter: preconditionFailure("\(e.name) is an int64 counter")
        }
    }

    /// Runs `body` with write access to an entry's `count` values (the pointer must not escape it);
    /// writing a parameter advances `version`.
    public func withMutableValues<R>(of e: StateEntry, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        defer { if e.kind == .parameter { version &+= 1 } }
        return try body(mutablePointer(e))
    }

    /// Runs `body` with write access to all `parameterCount` parameter values (an optimizer step; the
    /// pointer must not escape it), then advances `version`.
    public func withMutableParameters<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        defer { version &+= 1 }
        return try body(parameterValues)
    }

    public func gradient(_ e: StateEntry) -> UnsafeMutablePointer<Float> {
        precondition(e.kind == .parameter, "\(e.name) has no gradient")
        return gradients + e.offset
    }

    /// Sets every gradient to zero (PyTorch `zero_grad`, set_to_none=False semantics).
    public func zeroGradients() { gradients.update(repeating: 0, count: max(parameterCount, 1)) }

    /// A copy of a float entry as a tensor.
    public func tensor(_ name: String) -> Tensor {
        let e = require(name)
        return Tensor(shape: e.shape, storage: Array(UnsafeBufferPointer(start: pointer(e), count: e.count)))
    }

    public func gradientTensor(_ name: String) -> Tensor {
        let e = require(name)
        return Tensor(shape: e.shape, storage: Array(UnsafeBufferPointer(start: gradient(e), count: e.count)))
    }

    /// Why a value could not be loaded into the store.
    public enum LoadError: Error, CustomStringConvertible, Equatable {
        case unknownName(String)
        case shapeMismatch(name: String, expected: [Int], found: [Int])
        case missingNames([String])
        /// The values given do not fill the shape (a truncated or padded buffer).
        case valueCount(name: String, shape: [Int], expected: Int, found: Int)
        public var description: String {
            switch self {
            case .unknownName(let n): return "unexpected tensor \(n): the model has no such parameter or buffer"
            case .shapeMismatch(let n, let e, let f): return "\(n): shape \(f) does not match the model's \(e)"
            case .missingNames(let ns): return "missing tensors: \(ns.joined(separator: ", "))"
            case .valueCount(let n, let s, let e, let f): return "\(n): \(f) values for shape \(s), which holds \(e)"
            }
        }
    }

    /// Copies `values` into the entry `name` after checking its shape.
    public func set(_ name: String, _ values: [Float], shape: [Int]) throws(LoadError) {
        guard let e = entry(name) else { throw .unknownName(name) }
        guard e.kind != .counter else { throw .shapeMismatch(name: name, expected: [], found: shape) }
        guard e.shape == shape else { throw .shapeMismatch(name: name, expected: e.shape, found: shape) }
        guard values.count == e.count else { throw .valueCount(name: name, shape: shape, expected: e.count, found: values.count) }
        withMutableValues(of: e) { p in values.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: e.count) } }
    }

    public func setCounter(_ name: String, _ value: Int64) throws(LoadError) {
        guard let e = entry(name), e.kind == .counter else { throw .unknownName(name) }
        counters[e.offset] = value
    }

    public func counter(_ name: String) -> Int64 { counters[require(name).offset] }

    /// Copies every value, buffer and counter from a store of the same layout.
    public func copyState(from other: ParameterStore) {
        precondition(other.entries == entries, "stores differ in layout")
        withMutableParameters { $0.update(from: other.values, count: max(parameterCount, 1)) }
        buffers.update(from: other.buffers, count: max(bufferCount, 1))
        counters = other.counters
    }
}
