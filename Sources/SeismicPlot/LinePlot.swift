// LinePlot: panels of line series with real axes, ticks, labels and legends, as SVG.

import Foundation

/// One line: its points, name and colour.
public struct Series: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var color: String
    public var dashed: Bool

    public init(name: String, x: [Double], y: [Double], color: String, dashed: Bool = false) {
        precondition(x.count == y.count, "series \(name): \(x.count) x values, \(y.count) y values")
        self.name = name
        self.x = x
        self.y = y
        self.color = color
        self.dashed = dashed
    }
}

/// A shaded vertical band (e.g. a P window) on a panel.
public struct Band: Sendable {
    public var from: Double, to: Double, label: String, color: String
    public init(from: Double, to: Double, label: String, color: String) {
        self.from = from; self.to = to; self.label = label; self.color = color
    }
}

/// One panel: series sharing axes.
public struct Panel: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var bands: [Band] = []
    public var logY = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series], bands: [Band] = [], logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.bands = bands
        self.logY = logY
    }
}

public enum Palette {
    public static let blue = "#1f77b4", orange = "#ff7f0e", green = "#2ca02c", red = "#d62728", purple = "#9467bd", grey = "#7f7f7f"
    public static let cycle = [blue, orange, green, red, purple, grey]
}

/// Renders panels side by side (`columns`) or stacked, each with its own axes.
public struct LinePlot: Sendable {
    public var title: String
    public var panels: [Panel]
    public var columns: Int
    public var panelWidth = 360.0
    public var panelHeight = 240.0

    public init(title: String, panels: [Panel], columns: Int = 1) {
        self.title = title
        self.panels = panels
        self.columns = max(1, columns)
    }

    public func svg() -> String {
        let margin = (left: 70.0, right: 20.0, top: 40.0, bottom: 50.0)
        let rows = (panels.count + columns - 1) / columns
        let cellW = panelWidth + margin.left + margin.right, cellH = panelHeight + margin.top + margin.bottom
        let width = cellW * Double(columns), height = cellH * Double(rows) + 30
        var s = SVG(width: width, height: height)
        s.text(width / 2, 20, title, size: 16, anchor: "middle", bold: true)
        for (k, panel) in panels.enumerated() {
            let ox = Double(k % columns) * cellW + margin.left, oy = Double(k / columns) * cellH + margin.top + 30
            draw(panel, into: &s, x0: ox, y0: oy)
        }
        return s.finish()
    }

    private func draw(_ p: Panel, into s: inout SVG, x0: Double, y0: Double) {
        let w = panelWidth, h = panelHeight
        let xs = p.series.flatMap(\.x).filter(\.isFinite)
        let transform: (Double) -> Double = p.logY ? { log10(max($0, 1e-30)) } : { $0 }
        let ys = p.series.flatMap(\.y).filter { $0.isFinite && (!p.logY || $0 > 0) }.map(transform)
        let xt = Ticks(from: xs.min() ?? 0, to: xs.max() ?? 1)
        let yt = Ticks(from: ys.min() ?? 0, to: ys.max() ?? 1)
        let (xMin, xMax) = (min(xt.values.first ?? 0, xs.min() ?? 0), max(xt.values.last ?? 1, xs.max() ?? 1))
        let (yMin, yMax) = (min(yt.values.first ?? 0, ys.min() ?? 0), max(yt.values.last ?? 1, ys.max() ?? 1))
        func px(_ x: Double) -> Double { x0 + (x - xMin) / max(xMax - xMin, 1e-300) * w }
        func py(_ y: Double) -> Double { y0 + h - (transform(y) - yMin) / max(yMax - yMin, 1e-300) * h }
        s.text(x0 + w / 2, y0 - 10, p.title, size: 13, anchor: "middle", bold: true)
        for b in p.bands {
            s.rect(px(b.from), y0, max(px(b.to) - px(b.from), 1), h, fill: b.color, opacity: 0.18)
            s.text(px(b.from) + 2, y0 + 12, b.label, size: 10, anchor: "start", color: b.color)
        }
        for t in xt.values where t >= xMin && t <= xMax {
            s.line(px(t), y0, px(t), y0 + h, color: "#e0e0e0")
            s.line(px(t), y0 + h, px(t), y0 + h + 5, color: "#000")
            s.text(px(t), y0 + h + 18, xt.label(t), size: 11, anchor: "middle")
        }
        for t in yt.values where t >= yMin && t <= yMax {
            let y = y0 + h - (t - yMin) / max(yMax - yMin, 1e-300) * h
            s.line(x0, y, x0 + w, y, color: "#e0e0e0")
            s.line(x0 - 5, y, x0, y, color: "#000")
            s.text(x0 - 8, y + 4, p.logY ? "1e\(Int(t))" : yt.label(t), size: 11, anchor: "end")
        }
        s.rect(x0, y0, w, h, fill: "none", stroke: "#000")
        s.text(x0 + w / 2, y0 + h + 38, p.xLabel, size: 12, anchor: "middle")
        s.text(x0 - 55, y0 + h / 2, p.yLabel, size: 12, anchor: "middle", rotate: -90)
        for series in p.series {
            let pts = zip(series.x, series.y).filter { $0.0.isFinite && $0.1.isFinite && (!p.logY || $0.1 > 0) }
            s.polyline(pts.map { (px($0.0), py($0.1)) }, color: series.color, dashed: series.dashed, name: series.name)
        }
        if p.series.count > 1 {
            for (i, series) in p.series.enumerated() {
                let ly = y0 + 14 + Double(i) * 15
                s.line(x0 + w - 110, ly - 4, x0 + w - 90, ly - 4, color: series.color, width: 2)
                s.text(x0 + w - 86, ly, series.name, size: 11, anchor: "start")
            }
        }
    }
}
