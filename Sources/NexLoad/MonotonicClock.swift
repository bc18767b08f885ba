#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in nanoseconds (`CLOCK_MONOTONIC`, a vDSO call: cheap enough per message).
public enum MonotonicClock {
    @inline(__always)
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

extension MonotonicClock {
    /// Monotonic time in seconds.
    public static func seconds() -> Double { Double(nanoseconds()) / 1e9 }
}
