// Argmax: the one definition of "the most probable class" (ties: the first), as torch.argmax.

import SeismicNN
import TestSupport
import Testing

@Suite struct ArgmaxTests {
    @Test func firstLargestFromTheSlicesStart() {
        let values: [Float] = [9, 1, 3, 3, 2, 7, 7]
        #expect(Tensor.argmax(values[...]) == 0)
        #expect(Tensor.argmax(values[1...4]) == 1)  // 3 at index 2 of the array, first of the tie
        #expect(Tensor.argmax(values[4...]) == 1)  // 7 at 5, before the 7 at 6
        #expect(Tensor.argmax(values[3..<3]) == 0)
    }

    /// Law: the rows' argmax is each row's argmax, and the value there is not below any other.
    @Test func rowsAgreeWithTheSliceArgmax() {
        var rng = SeededGenerator(seed: 11)
        let t = Tensor(shape: [50, 4], storage: (0..<200).map { _ in Float(Int(rng.nextUnitFloat() * 4)) })
        let rows = t.argmaxRows()
        for n in 0..<50 {
            let row = t.storage[(n * 4)..<(n * 4 + 4)]
            #expect(rows[n] == Tensor.argmax(row))
            #expect(row.allSatisfy { $0 <= row[row.startIndex + rows[n]] })
            #expect(row.prefix(rows[n]).allSatisfy { $0 < row[row.startIndex + rows[n]] })
        }
    }
}
