// Amplitude: the seed's window-level amplitude functions (filters, normalise, int16 quantise).

/// A batch of windows stored contiguously as [count, length, components] float32 (the reference's
/// [N, 80, 3]), with the reference's amplitude functions.
public struct WindowBatch: Equatable, Sendable {
    public var values: [Float]
    public var count: Int
    public var length: Int
    public var components: Int

    public init(values: [Float], count: Int, length: Int, components: Int) {
        precondition(
            values.count == count * length * components,
            "\(values.count) values is not \(count)×\(length)×\(components)")
        self.values = values
        self.count = count
        self.length = length
        self.components = components
    }

    public var windowSize: Int { length * components }

    /// Values of window `i`.
    public func window(_ i: Int) -> ArraySlice<Float> { values[(i * windowSize)..<((i + 1) * windowSize)] }

    /// Only the windows at `indices`, in that order.
    public func selecting(_ indices: [Int]) -> WindowBatch {
        var out = [Float]()
        out.reserveCapacity(indices.count * windowSize)
        for i in indices { out.append(contentsOf: window(i)) }
        return WindowBatch(values: out, count: indices.count, length: length, components: components)
    }

    func maxAbs(_ i: Int) -> Float { window(i).reduce(0) { max($0, abs($1)) } }

    /// Peak |x| at or below which a window carries no signal (the seed's `remove_small_amplitude`).
    public static let smallAmplitude: Float = 1e-8

    /// Indices of windows whose peak |value| exceeds `threshold` (seed: `remove_small_amplitude`, 1e-8).
    public func indicesAboveSmallAmplitude(_ threshold: Float = smallAmplitude) -> [Int] {
        (0..<count).filter { maxAbs($0) > threshold }
    }

    /// Indices of windows whose peak |value| is below `threshold` (seed: `remove_large_amplitude`,
    /// 2·9.81 m/s², i.e. windows that clipped or are not ground motion are dropped).
    public func indicesBelowLargeAmplitude(_ threshold: Float = 2 * 9.81) -> [Int] {
        (0..<count).filter { maxAbs($0) < threshold }
    }

    /// Each window divided by its signed maximum (not max |x|); an all-zero maximum leaves the
    /// window as it is (seed: `normalize`).
    public func normalized() -> WindowBatch {
        var out = self
        let n = windowSize
        out.values.withUnsafeMutableBufferPointer { v in
            for w in 0..<count {
                var m = -Float.infinity
                for i in 0..<n { m = max(m, v[w * n + i]) }
                if m == 0 { m = 1 }
                for i in 0..<n { v[w * n + i] = v[w * n + i] / m }
            }
        }
        return out
    }

    /// Each window scaled so its peak |x| maps to 32767 and truncated toward zero to int16
    /// (seed: `quantize`, float32 arithmetic as NumPy does it).
    public func quantized() -> [Int16] {
        var out = [Int16](repeating: 0, count: values.count)
        let n = windowSize
        for w in 0..<count {
            let scale = Float(Int16.max) / maxAbs(w)
            guard scale.isFinite else { continue }
            for i in 0..<n {
                let v = values[w * n + i] * scale
                out[w * n + i] = v.isFinite ? Int16(max(-32768, min(32767, v))) : 0
            }
        }
        return out
    }

    /// Normalise → int16 → float → normalise: the amplitude steps every model input goes through.
    /// The same operations in the same order as `normalized()`, `quantized()` and `normalized()`
    /// one after the other (the same bits), done window by window in one buffer, eight values at a
    /// time (a maximum ignores NaN as `max` does; truncation toward zero then + 0 is `Int16(_:)`'s
    /// value as a float, −0 made +0).
    public func quantizedNormalized() -> WindowBatch {
        var out = self
        let n = windowSize
        out.values.withUnsafeMutableBufferPointer { all in
            for w in 0..<count {
                Self.quantizeNormalize(all.baseAddress! + w * n, count: n)
            }
        }
        return out
    }

    private typealias Lanes = SIMD8<Float>

    /// One window of `quantizedNormalized()`, in place.
    private static func quantizeNormalize(_ v: UnsafeMutablePointer<Float>, count n: Int) {
        let whole = n - n % Lanes.scalarCount
        func load(_ i: Int) -> Lanes { UnsafeRawPointer(v + i).loadUnaligned(as: Lanes.self) }
        func store(_ x: Lanes, _ i: Int) { UnsafeMutableRawPointer(v + i).storeBytes(of: x, as: Lanes.self) }
        /// The largest of v[0..<n] by `>` (NaN never replaces), from `start`.
        func largest(_ start: Float, _ f: (Float) -> Float, _ lanes: (Lanes) -> Lanes) -> Float {
            var m = Lanes(repeating: start)
            for i in stride(from: 0, to: whole, by: Lanes.scalarCount) {
                let x = lanes(load(i))
                m.replace(with: x, where: x .> m)
            }
            var r = start
            for k in 0..<Lanes.scalarCount where m[k] > r { r = m[k] }
            for i in whole..<n where f(v[i]) > r { r = f(v[i]) }
            return r
        }
        func divide(by d: Float) {
            let dv = Lanes(repeating: d)
            for i in stride(from: 0, to: whole, by: Lanes.scalarCount) { store(load(i) / dv, i) }
            for i in whole..<n { v[i] = v[i] / d }
        }
        // normalized(): divide by the signed maximum (0 → 1).
        var m = largest(-.infinity, { $0 }, { $0 })
        if m == 0 { m = 1 }
        divide(by: m)
        // quantized(): peak |x| to 32767, truncated to int16 (a window whose scale is not finite
        // stays all zeros; a value that is not finite becomes 0).
        let peak = largest(0, { abs($0) }, { $0.replacing(with: -$0, where: $0 .< 0) })
        let scale = Float(Int16.max) / peak
        if scale.isFinite {
            let s = Lanes(repeating: scale), top = Lanes(repeating: 32767), bottom = Lanes(repeating: -32768)
            let limit = Lanes(repeating: .greatestFiniteMagnitude)
            for i in stride(from: 0, to: whole, by: Lanes.scalarCount) {
                let x = load(i) * s
                var c = x.replacing(with: top, where: x .> top)
                c.replace(with: bottom, where: c .< bottom)
                let q = c.rounded(.towardZero) + Lanes(repeating: 0)
                store(q.replacing(with: 0, where: .!((x .>= -limit) .& (x .<= limit))), i)
            }
            for i in whole..<n {
                let x = v[i] * scale
                v[i] = x.isFinite ? Float(Int16(max(-32768, min(32767, x)))) : 0
            }
        } else {
            v.update(repeating: 0, count: n)
        }
        // normalized() again.
        var m2 = largest(-.infinity, { $0 }, { $0 })
        if m2 == 0 { m2 = 1 }
        divide(by: m2)
    }

}
