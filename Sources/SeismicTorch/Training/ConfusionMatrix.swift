// ConfusionMatrix: counts of (true class, predicted class) and the scores derived from them.

/// `counts[t][p]`: windows of true class t predicted as p.
public struct ConfusionMatrix: Codable, Equatable, Sendable {
    public var classNames: [String]
    public var counts: [[Int]]

    public init(classNames: [String]) {
        self.classNames = classNames
        counts = Array(repeating: Array(repeating: 0, count: classNames.count), count: classNames.count)
    }

    public mutating func add(truth: Int, prediction: Int) { counts[truth][prediction] += 1 }

    public var total: Int { counts.joined().reduce(0, +) }
    public var correct: Int { counts.indices.reduce(0) { $0 + counts[$1][$1] } }
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Each row divided by its total (recall on the diagonal); rows without windows stay zero.
    public var rowNormalized: [[Double]] {
        counts.map { row in
            let s = row.reduce(0, +)
            return row.map { s == 0 ? 0 : Double($0) / Double(s) }
        }
    }

    public func precision(_ c: Int) -> Double {
        let predicted = counts.reduce(0) { $0 + $1[c] }
        return predicted == 0 ? 0 : Double(counts[c][c]) / Double(predicted)
    }

    public func recall(_ c: Int) -> Double {
        let actual = counts[c].reduce(0, +)
        return actual == 0 ? 0 : Double(counts[c][c]) / Double(actual)
    }

    public func f1(_ c: Int) -> Double {
        let p = precision(c), r = recall(c)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
}
