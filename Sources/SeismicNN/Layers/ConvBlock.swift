// ConvBlock: Conv2d → BatchNorm2d → GELU → MaxPool2d → Dropout, one block of the reference's
// networks, computed channels-last with the blocks' fused kernels.

import CSeismicKernels

/// The same numbers as the five reference layers one after the other (tested against them and,
/// through the models, against PyTorch). The block owns its state: the convolution's weight and bias
/// (`convolution`), the BatchNorm's parameters, running statistics and collective (`normalisation`),
/// the pool's kernel and the dropout's generator (`dropout`), all in one `ParameterStore` under
/// PyTorch's names. One call at a time: the block keeps per-call state (training's cache,
/// evaluation's working memory).
///
/// Activations are channels-last, [N, H, W, C]: the convolution is im2col + one GEMM whose output
/// rows are pixels and columns channels, so BatchNorm, GELU, pooling and dropout run as one pass of
/// whole-vector channel loops, and backward needs GELU' only at the pooling winners. The models'
/// channel counts (16 … 192) are multiples of the vector width. Work is split across cores by sample.
public final class ConvBlock {
    let store: ParameterStore
    /// Weight [C_out, C_in, kH, kW] and bias [C_out].
    public let convolution: ConvolutionParameters
    /// γ, β, running statistics, batch counter and collective.
    public let normalisation: BatchNormStatistics
    /// Max-pool kernel (= stride), floor mode.
    public let poolHeight: Int, poolWidth: Int
    public var dropout: DropoutMasks
    /// Whether `backward` computes ∂L/∂input (a network's first block reads data: no one needs it,
    /// and `backward` then returns zeros).
    public var computeInputGradient = true
    private var cache: Cache?
    /// Evaluation's working memory (convolution output and Winograd scratch), kept while small.
    private let workspace = ScratchArena()

    /// What backward needs from a training-mode forward.
    private struct Cache {
        var inputShape: [Int]
        /// The block's input when its im2col rows are not kept (`cols` nil): the caller's tensor, shared, not copied.
        var x: Tensor?
        var cols: Buffer<Float>?
        /// Convolution output; per pooled value the winner's offset, backward factor and z.
        var z: Buffer<Float>, winners: Buffer<Int32>, gains: Buffer<Float>, winnerInputs: Buffer<Float>
        var weightsByOutput: Buffer<Float>
    }

    /// im2col values kept from forward to backward at most (default 8 Mi values, 32 MB): memory
    /// against time. Beyond it, backward rebuilds them from the kept input, a few samples at a time.
    /// A kernel of width 1 (EarthquakeCNN's) keeps none: its products read the input in place.
    public var keptColumnsLimit = 8 << 20

    /// Samples per im2col group so that a group's rows stay near 4 MB.
    private func groupSize(_ valuesPerSample: Int) -> Int { max(1, (1 << 20) / max(valuesPerSample, 1)) }

    /// The block over `store`'s entries `convolution.weight`, `convolution.bias` and
    /// `normalisation.weight`, `.bias`, `.running_mean`, `.running_var`, `.num_batches_tracked`
    /// (PyTorch's names, e.g. "conv1" and "bn1"), with max pooling `pool` and dropout probability
    /// `dropout` drawing from `seed`.
    public init(
        store: ParameterStore, convolution: String, normalisation: String, inChannels: Int, outChannels: Int,
        kernel: (Int, Int), pool: (Int, Int), dropout: Float, seed: UInt64
    ) {
        self.store = store
        self.convolution = ConvolutionParameters(
            store: store, prefix: convolution, inChannels: inChannels,
            outChannels: outChannels, kernel: kernel)
        self.normalisation = BatchNormStatistics(store: store, prefix: normalisation, channels: outChannels)
        (poolHeight, poolWidth) = pool
        self.dropout = DropoutMasks(probability: dropout, seed: seed)
    }

    /// The block's state entries in PyTorch order: the convolution's, then the BatchNorm's.
    public static func specs(
        convolution: String, normalisation: String, inChannels: Int, outChannels: Int,
        kernel: (Int, Int)
    ) -> [(name: String, shape: [Int], kind: StateKind)] {
        ConvolutionParameters.specs(convolution, inChannels: inChannels, outChannels: outChannels, kernel: kernel)
            + BatchNormStatistics.specs(normalisation, channels: outChannels)
    }

    /// [N, H, W, C_in] → [N, H', W', C_out] with H' = (H − kH + 1) / pH, W' = (W − kW + 1) / pW.
    public func outputShape(_ s: [Int]) -> [Int] {
        let conv = convolution
        precondition(s.count == 4 && s[3] == conv.inChannels, "ConvBlock expects [N, H, W, \(conv.inChannels)], got \(s)")
        precondition(s[1] >= conv.kernelHeight && s[2] >= conv.kernelWidth, "input \(s) smaller than the kernel")
        return [
            s[0], (s[1] - conv.kernelHeight + 1) / poolHeight, (s[2] - conv.kernelWidth + 1) / poolWidth,
            conv.outChannels
        ]
    }

    /// Sizes of one call for input [N, H, W, C_in]: kernel, convolution output (ho × wo = positions),
    /// pool, im2col width k and pooled output shape.
    private func geometry(_ s: [Int]) -> (
        n: Int, h: Int, w: Int, cin: Int, kh: Int, kw: Int, o: Int, ho: Int, wo: Int,
        ph: Int, pw: Int, k: Int, positions: Int, pooledShape: [Int], pooled: Int
    ) {
        let os = outputShape(s)
        let (kh, kw) = (convolution.kernelHeight, convolution.kernelWidth)
        let (ho, wo) = (s[1] - kh + 1, s[2] - kw + 1)
        return (
            s[0], s[1], s[2], s[3], kh, kw, convolution.outChannels, ho, wo, poolHeight, poolWidth,
            kh * kw * s[3], ho * wo, os, os[1] * os[2]
        )
    }

    /// The convolution's weight as a [kH·kW·C_in, C_out] matrix (rows in im2col order p, q, c) and
    /// its transpose, rebuilt when the store's parameter version moved since they were built: every
    /// write of a parameter (optimizer step, checkpoint load, any setter) advances it.
    private func weightMatrices() -> (byInput: Buffer<Float>, byOutput: Buffer<Float>) {
        if let m = matrices, m.version == store.version { return (m.byInput, m.byOutput) }
        let conv = convolution
        let (o, c, kh, kw) = (conv.outChannels, conv.inChannels, conv.kernelHeight, conv.kernelWidth)
        let count = o * c * kh * kw
        let byInput = Buffer<Float>(count: count), byOutput = Buffer<Float>(count: count)
        sk_conv_weight_matrix(store.pointer(conv.weight), o, c, kh, kw, byInput.pointer)
        let k = count / o
        for r in 0..<k { for oc in 0..<o { byOutput[oc * k + r] = byInput[r * o + oc] } }
        matrices = (store.version, byInput, byOutput)
        return (byInput, byOutput)
    }
    private var matrices: (version: UInt64, byInput: Buffer<Float>, byOutput: Buffer<Float>)?

    /// Evaluation takes a 3×3 convolution by Winograd F(2×2, 3×3) (sk_nhwc_conv3x3_winograd) from this
    /// many input channels: 2.25× fewer multiply-adds against its transforms, measured 2.4× slower on
    /// SpectrogramCNN's first layer (3 inputs), 1.9–2.2× faster on 20 inputs (13×11 images) and 1.5–1.8×
    /// on its 48 and 96 (C harness, one core, Zen 4). A 3×1 convolution by F(m, 3) along rows
    /// (sk_nhwc_conv3x1_winograd) where the instruction set's kernels choose it (sk_winograd_rows_tile).
    static let winogradInputChannels = 16

    /// Evaluation's Winograd forms: a 3×3 kernel's two-dimensional, or a 3×1 kernel's along rows
    /// with tiles of m output rows.
    enum WinogradForm: Equatable { case square, rows(m: Int) }

    /// Evaluation's Winograd form of this convolution for inputs of `height` rows, or nil (the direct
    /// convolution): 3×3 on `winogradInputChannels` or more inputs; 3×1 where the instruction set's
    /// kernels give an m (sk_winograd_rows_tile: EarthquakeCNN's layers 2 and 3 with AVX2 and the
    /// baseline, F(4, 3) and F(2, 3); never with AVX-512, whose direct product is at the core's peak —
    /// see variant_*.c for the measurements). The form depends on the input's height, never on the
    /// batch: a window gets the same bits alone or batched.
    func winogradForm(height: Int) -> WinogradForm? {
        let conv = convolution
        guard conv.kernelHeight == 3 else { return nil }
        if conv.kernelWidth == 3 { return conv.inChannels >= Self.winogradInputChannels ? .square : nil }
        guard conv.kernelWidth == 1 else { return nil }
        var m = 0
        sk_winograd_rows_tile(height, conv.inChannels, &m)
        return m > 0 ? .rows(m: m) : nil
    }

    /// The weights transformed for `form`, rebuilt when the store's parameter version or the form moved,
    /// as `weightMatrices`: sk_winograd_weights ([16, C_in, C_out] and its panels) for `.square`,
    /// sk_winograd_rows_weights ([m + 2, C_in, C_out] and its panels) for `.rows`.
    private func winogradWeights(_ form: WinogradForm) -> Buffer<Float> {
        if let t = transformed, t.version == store.version, t.form == form { return t.values }
        let conv = convolution
        let (c, o, b) = (conv.inChannels, conv.outChannels, weightMatrices().byInput.pointer)
        let values: Buffer<Float>
        switch form {
        case .square:
            values = Buffer<Float>(count: sk_winograd_weight_count(c, o))
            sk_winograd_weights(b, c, o, values.pointer)
        case .rows(let m):
            values = Buffer<Float>(count: sk_winograd_rows_weight_count(c, o, m))
            sk_winograd_rows_weights(b, c, o, m, values.pointer)
        }
        transformed = (store.version, form, values)
        return values
    }
    private var transformed: (version: UInt64, form: WinogradForm, values: Buffer<Float>)?

    /// z [rows, C_out] = cols [rows, K] · weights [K, C_out] + bias.
    private func product(
        _ cols: UnsafePointer<Float>, rows: Int, _ weights: UnsafePointer<Float>,
        into z: UnsafeMutablePointer<Float>
    ) {
        let (k, o) = (convolution.fanIn, convolution.outChannels)
        sk_gemm_bias(cols, rows, k, weights, o, store.pointer(convolution.bias), z)
    }

    /// [N, H, W, C_in] → [N, H', W', C_out]; training mode keeps what `backward` needs.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        if training { return trainingForward(x) }
        var y = Tensor(zeros: [0])  // shaped by `evaluate` (prepareOutput), which computes the shape once
        evaluate(x, into: &y)
        return y
    }

    /// Evaluation, `forward(x, training: false)`, into `output` [N, H', W', C_out]
    /// (`Tensor.prepareOutput`: its storage reused when it holds as many values, so a caller that
    /// keeps it between calls allocates no output). Running statistics; each group of samples goes
    /// convolution → tail while it is in cache. A 3×3 or 3×1 convolution may be taken by Winograd
    /// (`winogradForm`).
    public func evaluate(_ x: Tensor, into output: inout Tensor) {
        let (n, h, w, cin, kh, kw, o, _, wo, ph, pw, k, positions, os, pooled) = geometry(x.shape)
        let weights = weightMatrices().byInput
        let form = winogradForm(height: h)
        let winograd = form.map { winogradWeights($0) }
        output.prepareOutput(shape: os)
        cache = nil
        let (scale, shift) = normalisation.normalisation(batchMoments: nil)
        let group = max(1, min(64, 16_384 / max(positions, 1)))
        let bias = store.pointer(convolution.bias)
        let (hp, wp) = (os[1], os[2])
        // Fewer samples than cores and a large image (one spectrogram): split each sample's
        // pooled rows across the cores instead, each part computed from its own input rows.
        // Winograd's tiles start at a band's first row: with an odd pool height a band could start
        // on an odd row and round differently from the whole image, so the split is kept to even
        // starts and the results do not depend on the number of cores. Along rows (3×1) a band's
        // height would also choose its own m: not split.
        let splitRows =
            n < Parallel.effectiveWorkers && hp > 1 && positions * k * o >= 2_000_000
            && (form == nil || (form == .square && ph % 2 == 0))
        /// Winograd's working memory for calls on at most `samples` samples of `rows` rows (none without).
        func winogradScratchCount(samples: Int, rows: Int) -> Int {
            switch form {
            case .rows(let m)?: return sk_winograd_rows_scratch(samples, rows, w, cin, o, m)
            case .square?: return sk_winograd_scratch(cin, o)
            case nil: return 0
            }
        }
        let transformed = winograd?.pointer
        x.storage.withUnsafeBufferPointer { xb in
            output.storage.withUnsafeMutableBufferPointer { yb in
                let (xp, yp) = (xb.baseAddress!, yb.baseAddress!)
                /// `count` samples of `inputRows` rows each (whole samples, or a band of one) → pooled output,
                /// through z and (Winograd) `scratch`. The convolution reads its input in place (no im2col copy).
                func run(
                    _ input: UnsafePointer<Float>, count: Int, inputRows: Int, output: UnsafeMutablePointer<Float>,
                    z: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
                ) {
                    let convRows = inputRows - kh + 1
                    if let transformed, case .rows(let m) = form {
                        sk_nhwc_conv3x1_winograd(input, count, inputRows, w, cin, m, transformed, o, bias, z, scratch)
                    } else if let transformed {
                        sk_nhwc_conv3x3_winograd(input, count, inputRows, w, cin, transformed, o, bias, z, scratch)
                    } else if kw == 1 {
                        sk_nhwc_conv_width1(input, count, inputRows, w, cin, kh, weights.pointer, o, bias, z)
                    } else {
                        sk_nhwc_conv(input, count, inputRows, w, cin, kh, kw, weights.pointer, o, bias, z)
                    }
                    sk_nhwc_block_forward(z, count, convRows, wo, o, ph, pw, scale, shift, output, nil, nil, nil, nil)
                }
                if splitRows {
                    for sample in 0..<n {
                        Parallel.forEachChunk(hp) { _, rows in
                            let convRows = rows.count * ph
                            let z = Buffer<Float>(count: convRows * wo * o)
                            let scratch = Buffer<Float>(count: winogradScratchCount(samples: 1, rows: convRows + kh - 1))
                            withExtendedLifetime((z, scratch)) {
                                run(
                                    xp + (sample * h + rows.lowerBound * ph) * w * cin, count: 1, inputRows: convRows + kh - 1,
                                    output: yp + (sample * hp + rows.lowerBound) * wp * o, z: z.pointer, scratch: scratch.pointer)
                            }
                        }
                    }
                    return
                }
                // Each chunk's z and Winograd scratch, sized by the most samples a chunk has (one
                // window's: a few kilobytes, kept in `workspace` between calls; a whole group's z, a
                // megabyte on EarthquakeCNN's first layer, cost a lone window a fresh mapping and its
                // page faults on every call).
                let chunks = Parallel.chunkCount(n, minimumPerChunk: max(1, 4_096 / max(positions * k, 1)))
                let groupSamples = min(group, (n + chunks - 1) / chunks)
                let zCount = ScratchArena.lineRounded(groupSamples * positions * o)
                let perChunk = zCount + ScratchArena.lineRounded(winogradScratchCount(samples: groupSamples, rows: h))
                workspace.withValues(chunks * perChunk) { base in
                    Parallel.forEachChunk(n, chunks: chunks) { chunk, range in
                        let z = base + chunk * perChunk
                        var s0 = range.lowerBound
                        while s0 < range.upperBound {
                            let count = min(group, range.upperBound - s0)
                            run(
                                xp + s0 * h * w * cin, count: count, inputRows: h, output: yp + s0 * pooled * o, z: z,
                                scratch: z + zCount)
                            s0 += count
                        }
                    }
                }
            }
        }
    }

    /// Training: batch statistics (synchronised across processes when the BatchNorm has a collective).
    private func trainingForward(_ x: Tensor) -> Tensor {
        let (n, h, w, cin, kh, kw, o, ho, wo, ph, pw, k, positions, os, pooled) = geometry(x.shape)
        let count = n * positions
        let (weights, weightsByOutput) = weightMatrices()
        // im2col rows are kept for the weight gradient when small; large ones (SpectrogramCNN:
        // gigabytes at batch 256) are rebuilt in backward from the kept input, and a kernel of width
        // 1 (EarthquakeCNN) needs none: its convolution and weight gradient read the input in place.
        let cols = kw > 1 && count * k <= keptColumnsLimit ? Buffer<Float>(count: count * k) : nil
        let z = Buffer<Float>(count: count * o)
        let chunks = Parallel.chunkCount(n)
        let sums = Buffer<Double>(repeating: 0, count: chunks * o), deviations = Buffer<Double>(repeating: 0, count: chunks * o)
        let group = groupSize(positions * k)
        x.storage.withUnsafeBufferPointer { xb in
            let xp = xb.baseAddress!
            Parallel.forEachChunk(n, chunks: chunks) { chunk, r in
                var s0 = r.lowerBound
                while s0 < r.upperBound {
                    let samples = min(group, r.upperBound - s0)
                    if let cols {
                        let c = cols.pointer + s0 * positions * k
                        sk_nhwc_im2col(xp + s0 * h * w * cin, samples, h, w, cin, kh, kw, c)
                        product(c, rows: samples * positions, weights.pointer, into: z.pointer + s0 * positions * o)
                    } else if kw == 1 {
                        // The input read in place (the bits of im2col + product).
                        sk_nhwc_conv_width1(
                            xp + s0 * h * w * cin, samples, h, w, cin, kh, weights.pointer, o, store.pointer(convolution.bias),
                            z.pointer + s0 * positions * o)
                    } else {
                        // im2col rows not kept: the input read in place (the same bits).
                        sk_nhwc_conv(
                            xp + s0 * h * w * cin, samples, h, w, cin, kh, kw, weights.pointer, o, store.pointer(convolution.bias),
                            z.pointer + s0 * positions * o)
                    }
                    s0 += samples
                }
                sk_column_sums(z.pointer + r.lowerBound * positions * o, r.count * positions, o, sums.pointer + chunk * o)
            }
        }
        // Two-pass batch moments per channel, chunk partials summed in chunk order.
        var mean = [Double](repeating: 0, count: o), squared = [Double](repeating: 0, count: o)
        for chunk in 0..<chunks { for ch in 0..<o { mean[ch] += sums[chunk * o + ch] } }
        for ch in 0..<o { mean[ch] /= Double(max(count, 1)) }
        Parallel.forEachChunk(n, chunks: chunks) { chunk, r in
            sk_column_squared_deviations(
                z.pointer + r.lowerBound * positions * o, r.count * positions, o, mean,
                deviations.pointer + chunk * o)
        }
        for chunk in 0..<chunks { for ch in 0..<o { squared[ch] += deviations[chunk * o + ch] } }
        let (scale, shift) = normalisation.normalisation(batchMoments: (mean, squared, count))
        let drop = dropout.next(training: true, itemSize: pooled * o).map {
            sk_dropout_params(key: $0.key, threshold: $0.threshold, scale: $0.scale, first: Int64($0.first), stride: Int64($0.stride))
        }
        var y = Tensor(uninitialized: os)
        let winners = Buffer<Int32>(count: y.count), gains = Buffer<Float>(count: y.count), winnerInputs = Buffer<Float>(count: y.count)
        y.storage.withUnsafeMutableBufferPointer { yb in
            let yp = yb.baseAddress!
            Parallel.forEachChunk(n, chunks: chunks) { _, r in
                let at = r.lowerBound * pooled * o
                let zc = z.pointer + r.lowerBound * positions * o
                // No dropout: all-zero parameters (threshold 0 is off). Masks continue at this chunk's first sample.
                var d = drop ?? sk_dropout_params()
                d.first += Int64(r.lowerBound) * d.stride
                sk_nhwc_block_forward(
                    zc, r.count, ho, wo, o, ph, pw, scale, shift, yp + at, winners.pointer + at,
                    gains.pointer + at, winnerInputs.pointer + at, &d)
            }
        }
        cache = Cache(
            inputShape: x.shape, x: cols == nil ? x : nil, cols: cols, z: z, winners: winners, gains: gains,
            winnerInputs: winnerInputs, weightsByOutput: weightsByOutput)
        return y
    }

    /// ∂L/∂output [N, H', W', C_out] → ∂L/∂input [N, H, W, C_in] (zeros when `computeInputGradient`
    /// is off), accumulating the convolution's and BatchNorm's gradients.
    public func backward(_ dy: Tensor) -> Tensor {
        guard let cache, normalisation.statistics.training else {
            preconditionFailure("ConvBlock.backward needs a training-mode forward first")
        }
        let (n, h, w, cin, kh, kw, o, ho, wo, ph, pw, k, positions, pooledShape, pooled) = geometry(cache.inputShape)
        precondition(dy.shape == pooledShape, "gradient shape \(dy.shape), output \(pooledShape)")
        let (mean, istd, _) = normalisation.statistics
        let chunks = Parallel.chunkCount(n)
        // 1. Through dropout, pool and GELU to the BatchNorm output at the winners; BatchNorm sums.
        let dv = Buffer<Float>(count: dy.count)
        let partial = Buffer<Double>(repeating: 0, count: chunks * 2 * o)
        dy.storage.withUnsafeBufferPointer { db in
            Parallel.forEachChunk(n, chunks: chunks) { chunk, r in
                let at = r.lowerBound * pooled * o
                sk_nhwc_block_backward_sums(
                    db.baseAddress! + at, cache.gains.pointer + at, cache.winnerInputs.pointer + at,
                    r.count * pooled, o, mean, istd, dv.pointer + at,
                    partial.pointer + chunk * 2 * o, partial.pointer + chunk * 2 * o + o)
            }
        }
        var flat = [Double](repeating: 0, count: 2 * o)
        for chunk in 0..<chunks {
            for ch in 0..<o {
                flat[2 * ch] += partial[chunk * 2 * o + ch]
                flat[2 * ch + 1] += partial[chunk * 2 * o + o + ch]
            }
        }
        let coefficients = normalisation.gradientCoefficients(&flat, count: n * positions)
        let kk = coefficients.map(\.k), aa = coefficients.map(\.a), bb = coefficients.map(\.b)
        // 2. BatchNorm's input gradient (the convolution's output gradient), then the convolution.
        let dz = Buffer<Float>(count: n * positions * o)
        let parameterPartial = Buffer<Float>(repeating: 0, count: chunks * (k * o + o))
        let zeros = [Float](repeating: 0, count: k)
        let group = groupSize(positions * k)
        var dx = Tensor(zeros: [n, h, w, cin])
        let input = cache.x
        dx.storage.withUnsafeMutableBufferPointer { xb in
            let dxp = xb.baseAddress!
            Parallel.forEachChunk(n, chunks: chunks) { chunk, r in
                let zc = r.lowerBound * positions * o, pc = r.lowerBound * pooled * o
                let dW = parameterPartial.pointer + chunk * (k * o + o), dB = dW + k * o
                // dz and the bias gradient (its column sums) in one pass.
                sk_nhwc_block_backward_dx(
                    cache.z.pointer + zc, r.count, ho, wo, o, ph, pw, dv.pointer + pc, cache.winners.pointer + pc,
                    mean, istd, kk, aa, bb, dz.pointer + zc, dB)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: group * positions * k)
                defer { scratch.deallocate() }
                var s0 = r.lowerBound
                while s0 < r.upperBound {
                    let samples = min(group, r.upperBound - s0), rows = samples * positions
                    let dzs = dz.pointer + s0 * positions * o
                    // dW += colsᵀ · dz, the rows kept, read in place (width 1) or rebuilt from the input.
                    if let cols = cache.cols {
                        sk_gemm_at_b_add(cols.pointer + s0 * positions * k, rows, k, dzs, o, dW)
                    } else {
                        input!.storage.withUnsafeBufferPointer { xb in
                            let xs = xb.baseAddress! + s0 * h * w * cin
                            if kw == 1 {
                                sk_nhwc_conv_width1_weight_gradient(xs, samples, h, w, cin, kh, dzs, o, dW)
                            } else {
                                sk_nhwc_im2col(xs, samples, h, w, cin, kh, kw, scratch)
                                sk_gemm_at_b_add(scratch, rows, k, dzs, o, dW)
                            }
                        }
                    }
                    if computeInputGradient {
                        // dcols = dz · weightsᵀ (into the scratch), then back to the input's pixels.
                        sk_gemm_bias(dzs, rows, o, cache.weightsByOutput.pointer, k, zeros, scratch)
                        sk_nhwc_col2im(scratch, samples, h, w, cin, kh, kw, dxp + s0 * h * w * cin)
                    }
                    s0 += samples
                }
            }
        }
        let gw = store.gradient(convolution.weight), gb = store.gradient(convolution.bias)
        for chunk in 0..<chunks {
            let dW = parameterPartial.pointer + chunk * (k * o + o)
            sk_conv_weight_gradient_add(dW, o, cin, kh, kw, gw)
            for oc in 0..<o { gb[oc] += dW[k * o + oc] }
        }
        return dx
    }
}
