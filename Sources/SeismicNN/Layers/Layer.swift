// Layer: the forward/backward contract every SeismicNN layer keeps.

/// A layer computes `forward` and, right after, can map the gradient of its output to the gradient
/// of its input with `backward`, accumulating its parameters' gradients into the store.
/// `forward` caches what `backward` needs (one batch at a time).
public protocol Layer: AnyObject {
    func forward(_ x: Tensor, training: Bool) -> Tensor
    func backward(_ dy: Tensor) -> Tensor
}
