import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The disk's flush tail, measured the way nexd's audit writer meets it: for ``seconds``, about
/// ``rate`` times a second, append ``bytes`` bytes to one file and `fdatasync` it.
///
/// Two figures come out. **Service time**: each write + sync. **Waiting time**, the one to compare
/// with an open-loop latency such as S5's: arrivals are due every `1 / rate` seconds whatever the
/// disk does; a sync serves every arrival due before it began (group commit, as the audit writer
/// serves the records queued while it synced), and each waits from its due time to the end of the
/// sync that served it. One 150 ms flush is one slow service sample but ~150 slow arrivals, as it
/// is ~600 slow notices at 4,000/s: the service time alone understates the tail a writer meets.
///
/// Paced, not back-to-back: after a sync, the next starts at the next arrival's due time, or at
/// once if arrivals are already waiting (one sync for all of them, never a burst of catch-up
/// syncs), so the disk sees a steady ~1 kHz of small syncs as under S5 rather than a saturating
/// loop. The quick ``FsyncProbe`` (200 back-to-back samples) hides the rare slow flushes this one reports.
/// Runs on the calling thread; the file grows by `rate × seconds × bytes` (120 MiB for 10 s) and
/// is removed at the end.
public struct SustainedDiskProbe: Sendable, Equatable {
    /// How long to probe.
    public var seconds: Double
    /// Samples per second asked for.
    public var rate: Double
    /// Bytes appended per sample: about an audit batch at S5's rates (acceptance, route and
    /// receipt records of a few notices).
    public var bytes: Int

    /// A probe of `seconds` at `rate` samples per second, `bytes` per append.
    public init(seconds: Double, rate: Double = 1000, bytes: Int = 12 * 1024) {
        self.seconds = seconds
        self.rate = rate
        self.bytes = bytes
    }

    /// The arrivals a sync that began at `began` serves, from the first unserved one due at `due`
    /// (monotonic nanoseconds): every arrival due at or before `began` (at least the first, before
    /// `end`), and the due time of the first arrival left for the next sync.
    public func arrivals(from due: UInt64, servedBySyncStartedAt began: UInt64, before end: UInt64) -> (served: [UInt64], next: UInt64) {
        let interval = UInt64(1e9 / rate)
        var served = [due]
        var next = due + interval
        while next <= began && next < end {
            served.append(next)
            next += interval
        }
        return (served, next)
    }

    /// Runs the probe in `directory` (a temporary file is created there and removed).
    /// - Throws: ``LoadError`` when the file cannot be created, the filesystem lacks room for it,
    ///   or a write or sync fails.
    public func run(directory: String) throws(LoadError) -> DiskProbeResult {
        precondition(seconds > 0 && rate > 0 && bytes > 0, "a probe needs a positive duration, rate and size")
        let needed = Int(rate * seconds) * bytes
        if let free = Self.freeBytes(directory), free < needed + (64 << 20) {
            throw LoadError("the disk probe needs \(needed >> 20) MiB free in \(directory) (plus 64 MiB to spare); \(free >> 20) MiB are: use a shorter --disk-probe")
        }
        let path = directory + "/disk-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LoadError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer {
            close(fd)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x5A, count: bytes)
        var service = LatencyHistogram()
        var waiting = LatencyHistogram()
        let start = MonotonicClock.nanoseconds()
        let end = start + UInt64(seconds * 1e9)
        var due = start
        while due < end {
            Self.sleep(until: due)
            let before = MonotonicClock.nanoseconds()
            let written = block.withUnsafeBytes { write(fd, $0.baseAddress, bytes) }
            guard written == bytes, fdatasync(fd) == 0 else {
                throw LoadError("write+fdatasync failed in \(directory): \(String(cString: strerror(errno)))")
            }
            let after = MonotonicClock.nanoseconds()
            service.record(nanoseconds: after - before)
            let (served, next) = arrivals(from: due, servedBySyncStartedAt: before, before: end)
            for arrival in served { waiting.record(nanoseconds: after - arrival) }
            due = next
        }
        return DiskProbeResult(directory: directory, filesystem: Self.filesystem(directory), seconds: seconds, targetRate: rate,
                               bytes: bytes, latency: service.summary, waiting: waiting.summary)
    }

    private static func sleep(until deadline: UInt64) {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
    }

    private static func freeBytes(_ directory: String) -> Int? {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// The filesystem type of `directory` (`ext4`, `tmpfs`…): that of the longest mount point in
    /// `/proc/self/mounts` containing it; "unknown" when it cannot be told.
    static func filesystem(_ directory: String) -> String {
        guard let resolved = realpath(directory, nil) else { return "unknown" }
        let path = String(cString: resolved)
        free(resolved)
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return "unknown" }
        var best: (length: Int, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let mountPoint = fields[1].replacingOccurrences(of: "\\040", with: " ")
            let contains = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            if contains, mountPoint.count >= best?.length ?? 0 { best = (mountPoint.count, String(fields[2])) }
        }
        return best?.type ?? "unknown"
    }
}
