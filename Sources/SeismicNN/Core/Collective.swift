// Collective: sums across the processes of a data-parallel job (an MPI allreduce), when there is one.

/// What data-parallel training needs from a communicator: element-wise sums across all processes,
/// in place. SeismicMPI implements it over MPI_Allreduce; a single process has none.
public protocol Collective: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// Replaces `values[0..<count]` on every process by their sum over all processes.
    func sum(_ values: UnsafeMutablePointer<Double>, count: Int)
    func sum(_ values: UnsafeMutablePointer<Float>, count: Int)
}

extension Collective {
    /// The contiguous share of `count` items this process takes: `count·rank/size ..< count·(rank+1)/size`.
    /// The shares of all ranks, in rank order, cover `0..<count` once; they differ in size by at most one.
    public func share(of count: Int) -> Range<Int> { (count * rank / size)..<(count * (rank + 1) / size) }
}
