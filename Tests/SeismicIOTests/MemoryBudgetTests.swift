// MemoryBudget: the limits a process runs under, and the error that names the figures.

import Foundation
import SeismicIO
import Testing

@Suite struct MemoryBudgetTests {
    @Test func refusesWorkLargerThanTheBudgetWithBothFigures() throws {
        let budget = MemoryBudget(availableBytes: 2_000_000_000, limitedBy: "the cgroup's memory.max")
        try budget.check(neededBytes: 2_000_000_000, for: "classifying a.sac")
        #expect { try budget.check(neededBytes: 13_400_000_000, for: "classifying a.sac") } throws: {
            "\($0)" == "classifying a.sac needs about 13.4 GB of memory, but only 2.0 GB is available (the cgroup's memory.max); "
                + "stopped before reading instead of being killed"
        }
    }

    @Test func readsProcFields() {
        let text = "MemTotal:       16384000 kB\nMemFree:          100 kB\nMemAvailable:    8000000 kB\n"
        #expect(MemoryBudget.field("MemAvailable:", in: text) == 8_000_000)
        #expect(MemoryBudget.field("MemTotal:", in: text) == 16_384_000)
        #expect(MemoryBudget.field("SwapTotal:", in: text) == nil)
    }

    @Test func formatsBytesInPowersOfAThousand() {
        #expect(InsufficientMemoryError.format(999) == "999 B")
        #expect(InsufficientMemoryError.format(1_500) == "1.5 kB")
        #expect(InsufficientMemoryError.format(1_340_000_000) == "1.3 GB")
    }

    /// On Linux the machine's available memory is always readable: a budget exists, is positive
    /// and is at most the machine's total memory.
    @Test func theCurrentBudgetIsBetweenZeroAndTheMachinesMemory() throws {
        #if os(Linux)
            let budget = try #require(MemoryBudget.current())
            #expect(budget.availableBytes > 0)
            #expect(UInt64(budget.availableBytes) <= ProcessInfo.processInfo.physicalMemory)
        #endif
    }
}
