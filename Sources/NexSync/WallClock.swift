#if canImport(Glibc)
import Glibc
#endif

/// Unix wall-clock time in milliseconds (CLOCK_REALTIME): envelope issued-at and audit times.
public enum WallClock {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public static func nowMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
