// ImagePlot: grey images (e.g. spectrogram inputs) as SVG cells, several side by side.

import Foundation

/// Grey images with titles, drawn cell by cell (averaged down to at most `maxCells` per side).
public struct ImagePlot: Sendable {
    public var title: String
    public var images: [(title: String, rows: Int, cols: Int, values: [Float])]
    public var maxCells = 60
    public var columns = 3

    public init(title: String, images: [(title: String, rows: Int, cols: Int, values: [Float])]) {
        self.title = title
        self.images = images
    }

    public func svg() -> String {
        let size = 220.0, gap = 30.0, top = 40.0
        let rowsOfImages = (images.count + columns - 1) / columns
        var s = SVG(width: Double(columns) * (size + gap) + gap, height: top + Double(rowsOfImages) * (size + 40))
        s.text(s.width / 2, 22, title, size: 15, anchor: "middle", bold: true)
        for (k, image) in images.enumerated() {
            let x0 = gap + Double(k % columns) * (size + gap), y0 = top + Double(k / columns) * (size + 40) + 16
            s.text(x0 + size / 2, y0 - 4, image.title, size: 12, anchor: "middle")
            let r = min(image.rows, maxCells), c = min(image.cols, maxCells)
            let lo = image.values.min() ?? 0, hi = image.values.max() ?? 1
            for i in 0..<r {
                for j in 0..<c {
                    // Mean of the source pixels that fall in this cell.
                    let r0 = i * image.rows / r, r1 = max((i + 1) * image.rows / r, r0 + 1)
                    let c0 = j * image.cols / c, c1 = max((j + 1) * image.cols / c, c0 + 1)
                    var sum: Float = 0
                    for a in r0..<r1 { for b in c0..<c1 { sum += image.values[a * image.cols + b] } }
                    let v = hi > lo ? (sum / Float((r1 - r0) * (c1 - c0)) - lo) / (hi - lo) : 0
                    let g = Int(v * 255)
                    s.rect(
                        x0 + Double(j) * size / Double(c), y0 + Double(i) * size / Double(r), size / Double(c) + 0.3,
                        size / Double(r) + 0.3, fill: String(format: "#%02x%02x%02x", g, g, g))
                }
            }
            s.rect(x0, y0, size, size, fill: "none", stroke: "#000")
        }
        return s.finish()
    }
}
