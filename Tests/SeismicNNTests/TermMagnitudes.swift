// Σ|terms| of each output of a convolution or a linear layer, forward and backward, in float64: the
// magnitudes that scale the float32 inner-product bound γₙ·Σ|terms| (TestSupport/FloatBounds.swift).
// Each is the same bilinear map evaluated on the absolute values of its two operands.

import SeismicNN

enum TermMagnitudes {
    /// Valid, stride-1 convolution of x [n, c, h, w] with weight [o, c, kh, kw]: per output [n, o, ho, wo],
    /// |bias| + Σ|w|·|x| over c·kh·kw products (terms: c·kh·kw + 1), and the output itself in float64
    /// (the exact sum of the float32 products but for float64 rounding, far below float32's).
    static func convForward(x: Tensor, weight: Tensor, bias: [Float]) -> (magnitude: [Double], exact: [Double], terms: Int) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let (ho, wo) = (h - kh + 1, w - kw + 1)
        var m = [Double](repeating: 0, count: n * o * ho * wo), exact = m
        for s in 0..<n {
            for f in 0..<o {
                for i in 0..<ho {
                    for j in 0..<wo {
                        var acc = Double(abs(bias[f])), value = Double(bias[f])
                        for ch in 0..<c {
                            for p in 0..<kh {
                                for q in 0..<kw {
                                    let product =
                                        Double(weight.storage[((f * c + ch) * kh + p) * kw + q]) * Double(x.storage[((s * c + ch) * h + i + p) * w + j + q])
                                    acc += abs(product)
                                    value += product
                                }
                            }
                        }
                        m[((s * o + f) * ho + i) * wo + j] = acc
                        exact[((s * o + f) * ho + i) * wo + j] = value
                    }
                }
            }
        }
        return (m, exact, c * kh * kw + 1)
    }

    /// The convolution's input gradient from dy [n, o, ho, wo]: per input element, Σ|w|·|dy| over the
    /// outputs it reaches (at most o·kh·kw terms).
    static func convInputGradient(dy: Tensor, weight: Tensor, inputShape: [Int]) -> (magnitude: [Double], terms: Int) {
        let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let (ho, wo) = (dy.shape[2], dy.shape[3])
        var m = [Double](repeating: 0, count: n * c * h * w)
        for s in 0..<n {
            for f in 0..<o {
                for i in 0..<ho {
                    for j in 0..<wo {
                        let g = Double(abs(dy.storage[((s * o + f) * ho + i) * wo + j]))
                        for ch in 0..<c {
                            for p in 0..<kh {
                                for q in 0..<kw {
                                    m[((s * c + ch) * h + i + p) * w + j + q] += g * Double(abs(weight.storage[((f * c + ch) * kh + p) * kw + q]))
                                }
                            }
                        }
                    }
                }
            }
        }
        return (m, o * kh * kw)
    }

    /// The convolution's weight gradient [o, c, kh, kw]: Σ|dy|·|x| over n·ho·wo products; and its bias
    /// gradient [o]: Σ|dy| over as many terms.
    static func convParameterGradients(x: Tensor, dy: Tensor, kernel: (Int, Int))
        -> (weight: [Double], bias: [Double], terms: Int)
    {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, ho, wo) = (dy.shape[1], dy.shape[2], dy.shape[3])
        let (kh, kw) = kernel
        var mw = [Double](repeating: 0, count: o * c * kh * kw), mb = [Double](repeating: 0, count: o)
        for s in 0..<n {
            for f in 0..<o {
                for i in 0..<ho {
                    for j in 0..<wo {
                        let g = Double(abs(dy.storage[((s * o + f) * ho + i) * wo + j]))
                        mb[f] += g
                        for ch in 0..<c {
                            for p in 0..<kh {
                                for q in 0..<kw {
                                    mw[((f * c + ch) * kh + p) * kw + q] += g * Double(abs(x.storage[((s * c + ch) * h + i + p) * w + j + q]))
                                }
                            }
                        }
                    }
                }
            }
        }
        return (mw, mb, n * ho * wo)
    }

    /// Σ|a[i, k]|·|b[k, j]| for a [rows, inner] and b [inner, cols] (row-major), plus |bias[j]| when given.
    static func matrixProduct(_ a: [Float], _ b: [Float], rows: Int, inner: Int, cols: Int, bias: [Float]? = nil) -> [Double] {
        exactProduct(a, b, rows: rows, inner: inner, cols: cols, bias: bias).magnitude
    }

    /// bias[j] + Σ a[i, k]·b[k, j] in float64 (the exact sum of the float32 products but for
    /// float64 rounding) and its terms' Σ|·| (`matrixProduct`), for a [rows, inner], b [inner, cols].
    static func exactProduct(_ a: [Float], _ b: [Float], rows: Int, inner: Int, cols: Int, bias: [Float]? = nil)
        -> (exact: [Double], magnitude: [Double])
    {
        var exact = [Double](repeating: 0, count: rows * cols), magnitude = exact
        for r in 0..<rows {
            for j in 0..<cols {
                var sum = bias.map { Double($0[j]) } ?? 0, acc = abs(sum)
                for k in 0..<inner {
                    let term = Double(a[r * inner + k]) * Double(b[k * cols + j])
                    sum += term
                    acc += abs(term)
                }
                (exact[r * cols + j], magnitude[r * cols + j]) = (sum, acc)
            }
        }
        return (exact, magnitude)
    }

    /// The transpose of a row-major [rows, cols] matrix.
    static func transposed(_ a: [Float], rows: Int, cols: Int) -> [Float] {
        (0..<(rows * cols)).map { a[($0 % rows) * cols + $0 / rows] }
    }
}
