// SpinWait: the wait of threads that meet often — poll first, then sleep.

import CSeismicKernels
import Foundation

/// Returns once `ready()` holds: polls it for up to `spinSeconds` (with the CPU's spin hint), then
/// sleeps on `condition`, which whoever makes `ready()` true must broadcast under its lock (so no
/// wake-up is lost). Waking a sleeping thread costs tens of microseconds; a thread that meets
/// another every few hundred microseconds polls instead, and one left waiting on a busy machine
/// costs its core at most the poll. Used by `ThreadGroup` and `ChunkWorkers`.
@inline(__always)
func waitPollingFirst(until ready: () -> Bool, spinSeconds: Double, on condition: NSCondition) {
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(spinSeconds, 0) * 1e9)
    var polls = 0
    while !ready() {
        polls += 1
        if polls % 64 == 0 && DispatchTime.now().uptimeNanoseconds >= deadline { break }
        sk_spin_pause()
    }
    condition.lock()
    while !ready() { condition.wait() }
    condition.unlock()
}
