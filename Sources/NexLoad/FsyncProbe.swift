import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Measures the disk's sync latency the way an audit batch pays it: append `bytes` bytes to a
/// file and `fdatasync` it, `samples` times.
public enum FsyncProbe {
    /// Runs the probe in `directory` (a temporary file is created and removed).
    public static func measure(directory: String, samples: Int = 200, bytes: Int = 2048) throws -> LoadReport.FsyncProbe {
        let path = directory + "/fsync-probe-\(getpid())"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LoadError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer {
            close(fd)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x5A, count: bytes)
        var latencies: [UInt64] = []
        latencies.reserveCapacity(samples)
        for _ in 0..<samples {
            let start = MonotonicClock.nanoseconds()
            let written = block.withUnsafeBytes { write(fd, $0.baseAddress, bytes) }
            guard written == bytes, fdatasync(fd) == 0 else {
                throw LoadError("write+fdatasync failed in \(directory): \(String(cString: strerror(errno)))")
            }
            latencies.append(MonotonicClock.nanoseconds() - start)
        }
        return summary(latencies, bytes: bytes)
    }

    /// Median, p99 and max of latencies in nanoseconds (nearest-rank percentiles).
    static func summary(_ latencies: [UInt64], bytes: Int) -> LoadReport.FsyncProbe {
        let sorted = latencies.sorted()
        func rank(_ percentile: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = min(sorted.count - 1, max(0, Int((percentile / 100 * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index]) / 1e6
        }
        return LoadReport.FsyncProbe(samples: sorted.count, bytes: bytes, medianMillis: rank(50), p99Millis: rank(99),
                                     maxMillis: Double(sorted.last ?? 0) / 1e6)
    }
}
