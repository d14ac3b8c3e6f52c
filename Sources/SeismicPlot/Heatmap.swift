// Heatmap: a confusion matrix as coloured cells with class names and values.

import Foundation

/// A row-normalised confusion matrix drawn as a heat-map (white → blue), with counts in the cells.
public struct Heatmap: Sendable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// Values 0…1 deciding the colour.
    public var values: [[Double]]
    /// Text in each cell.
    public var cellText: [[String]]
    public var xLabel = "Predicted class"
    public var yLabel = "True class"

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]], cellText: [[String]]) {
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.cellText = cellText
    }

    public func svg() -> String {
        let cell = 90.0, left = 120.0, top = 60.0
        let n = rowLabels.count, m = columnLabels.count
        var s = SVG(width: left + cell * Double(m) + 40, height: top + cell * Double(n) + 70)
        s.text(left + cell * Double(m) / 2, 24, title, size: 15, anchor: "middle", bold: true)
        for i in 0..<n {
            for j in 0..<m {
                let v = min(max(values[i][j], 0), 1)
                let r = Int(255 - v * 225), g = Int(255 - v * 160), b = 255 - Int(v * 40)
                s.rect(left + Double(j) * cell, top + Double(i) * cell, cell, cell, fill: String(format: "#%02x%02x%02x", r, g, b), stroke: "#555")
                s.text(
                    left + (Double(j) + 0.5) * cell, top + (Double(i) + 0.5) * cell + 5, cellText[i][j], size: 13, anchor: "middle",
                    color: v > 0.6 ? "#fff" : "#000")
            }
            s.text(left - 8, top + (Double(i) + 0.5) * cell + 4, rowLabels[i], size: 12, anchor: "end")
        }
        for j in 0..<m { s.text(left + (Double(j) + 0.5) * cell, top + Double(n) * cell + 20, columnLabels[j], size: 12, anchor: "middle") }
        s.text(left + cell * Double(m) / 2, top + Double(n) * cell + 45, xLabel, size: 12, anchor: "middle")
        s.text(20, top + cell * Double(n) / 2, yLabel, size: 12, anchor: "middle", rotate: -90)
        return s.finish()
    }
}
