// SVG: a minimal writer for the plots (escaped text, rounded coordinates).

import Foundation

/// Builds an SVG document element by element.
public struct SVG: Sendable {
    private var body: [String] = []
    public let width: Double, height: Double

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String, width: Double = 1) {
        body.append("<line x1=\"\(Self.f(x1))\" y1=\"\(Self.f(y1))\" x2=\"\(Self.f(x2))\" y2=\"\(Self.f(y2))\" stroke=\"\(color)\" stroke-width=\"\(width)\"/>")
    }

    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil, opacity: Double = 1) {
        body.append(
            "<rect x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" width=\"\(Self.f(w))\" height=\"\(Self.f(h))\" fill=\"\(fill)\""
                + (stroke.map { " stroke=\"\($0)\"" } ?? "") + (opacity < 1 ? " fill-opacity=\"\(opacity)\"" : "") + "/>")
    }

    public mutating func text(
        _ x: Double, _ y: Double, _ s: String, size: Double, anchor: String, bold: Bool = false,
        color: String = "#000", rotate: Double? = nil
    ) {
        let r = rotate.map { " transform=\"rotate(\($0) \(Self.f(x)) \(Self.f(y)))\"" } ?? ""
        body.append(
            "<text x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" fill=\"\(color)\""
                + (bold ? " font-weight=\"bold\"" : "") + r + ">\(Self.escape(s))</text>")
    }

    public mutating func polyline(_ points: [(Double, Double)], color: String, dashed: Bool = false, name: String = "") {
        guard !points.isEmpty else { return }
        let p = points.map { "\(Self.f($0.0)),\(Self.f($0.1))" }.joined(separator: " ")
        body.append(
            "<polyline data-series=\"\(Self.escape(name))\" points=\"\(p)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\""
                + (dashed ? " stroke-dasharray=\"5,3\"" : "") + "/>")
    }

    public func finish() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
