// ConvolutionParameters: a 2-D convolution's weight and bias in a store, under PyTorch's names.

/// `weight` [out, in, kH, kW] and `bias` [out] of a valid, stride-1 convolution (torch.nn.Conv2d),
/// for the reference Conv2d and the fused ConvBlock alike.
public struct ConvolutionParameters: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let weight: StateEntry
    public let bias: StateEntry

    /// The entries `prefix.weight` and `prefix.bias` of `store`, whose shapes must match (a
    /// programming error otherwise: the store was built from `specs`).
    public init(store: ParameterStore, prefix: String, inChannels: Int, outChannels: Int, kernel: (Int, Int)) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        kernelHeight = kernel.0
        kernelWidth = kernel.1
        weight = store.require(prefix + ".weight")
        bias = store.require(prefix + ".bias")
        precondition(weight.shape == [outChannels, inChannels, kernel.0, kernel.1], "\(prefix).weight shape \(weight.shape)")
        precondition(bias.shape == [outChannels], "\(prefix).bias shape \(bias.shape)")
    }

    /// The state entries of such a convolution, in PyTorch order.
    public static func specs(_ prefix: String, inChannels: Int, outChannels: Int, kernel: (Int, Int))
        -> [(name: String, shape: [Int], kind: StateKind)]
    {
        [
            (prefix + ".weight", [outChannels, inChannels, kernel.0, kernel.1], .parameter),
            (prefix + ".bias", [outChannels], .parameter)
        ]
    }

    /// Products per output value, C_in·kH·kW (PyTorch's fan-in for initialisation).
    public var fanIn: Int { inChannels * kernelHeight * kernelWidth }
}
