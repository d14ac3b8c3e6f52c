// Array+Safe: element lookup that answers nil outside the indices (labels for optional components).

extension Array {
    /// The element at `i`, or nil when `i` is not an index.
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
