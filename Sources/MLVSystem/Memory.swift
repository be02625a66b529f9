import CSystem

/// Process-wide allocator settings.
public enum Memory {
  /// Makes buffers of 2 MiB and more (a million-file listing, its sort keys, a table's
  /// growth) get their own mapping, returned to the system when freed. By default glibc
  /// raises that threshold to 32 MiB at the first such free, so later big arrays come from
  /// the heap and stay resident after they are freed: ~100 MB of a million-file add's peak
  /// RSS (issue 14). Below 2 MiB nothing changes: a chunk (at most 256 KiB) or a read
  /// buffer is never mapped on its own.
  public static func returnLargeBuffers() {
    mlv_set_mmap_threshold(2 << 20)
  }
}
