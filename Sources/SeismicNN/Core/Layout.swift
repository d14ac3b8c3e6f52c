// Layout: channels-first (NCHW, PyTorch's) ↔ channels-last (NHWC, the convolution blocks') tensors.

import CSeismicKernels

extension Tensor {
    /// [N, C, H, W] → [N, H, W, C] (a reshape when C = 1).
    public func channelsLast() -> Tensor {
        precondition(rank == 4, "channelsLast needs [N, C, H, W], got \(shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        if c == 1 { return reshaped([n, h, w, 1]) }
        var y = Tensor(uninitialized: [n, h, w, c])
        storage.withUnsafeBufferPointer { xb in
            y.storage.withUnsafeMutableBufferPointer { sk_channels_last(xb.baseAddress!, n, h * w, c, $0.baseAddress!) }
        }
        return y
    }

    /// [N, H, W, C] → [N, C, H, W] (a reshape when C = 1).
    public func channelsFirst() -> Tensor {
        precondition(rank == 4, "channelsFirst needs [N, H, W, C], got \(shape)")
        if shape[3] == 1 { return reshaped([shape[0], 1, shape[1], shape[2]]) }
        var y = Tensor(uninitialized: [shape[0], shape[3], shape[1], shape[2]])
        channelsFirst(into: &y)
        return y
    }

    /// [N, H, W, C] → `output` [N, C, H, W] (`Tensor.prepareOutput`: its storage reused when it
    /// holds as many values), as `channelsFirst()`.
    public func channelsFirst(into output: inout Tensor) {
        precondition(rank == 4, "channelsFirst needs [N, H, W, C], got \(shape)")
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        output.prepareOutput(shape: [n, c, h, w])
        storage.withUnsafeBufferPointer { xb in
            output.storage.withUnsafeMutableBufferPointer {
                if c == 1 {
                    $0.baseAddress!.update(from: xb.baseAddress!, count: xb.count)
                } else {
                    sk_channels_first(xb.baseAddress!, n, h * w, c, $0.baseAddress!)
                }
            }
        }
    }
}
