// Memory: keep large freed blocks in the process, so per-step tensors do not fault in fresh pages.

#if os(Linux)
    /// glibc's `mallopt` (declared in malloc.h, which the Glibc module does not export).
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// glibc returns every large block (≥ 128 KiB by default) to the kernel on free and maps fresh,
/// zero-filled pages on the next allocation; a training step allocates dozens of such tensors, so
/// page faults would dominate. Raising the mmap and trim thresholds keeps them in the heap.
public enum Memory {
    public static func keepLargeAllocations() {
        #if os(Linux)
            _ = glibcMallopt(-1, 1 << 30)  // M_TRIM_THRESHOLD
            _ = glibcMallopt(-3, 1 << 30)  // M_MMAP_THRESHOLD
        #endif
    }
}
