/// What the sustained disk probe measured (``SustainedDiskProbe``): the latency of each paced
/// append + `fdatasync`, in the directory the audit log would use. `--json` writes it as the
/// report's `diskProbe`.
public struct DiskProbeResult: Codable, Sendable, Equatable {
    /// Where the probe's file was (a temporary file, removed afterwards).
    public var directory: String
    /// That directory's filesystem type, from `/proc/self/mounts` (`ext4`, `tmpfs`…).
    public var filesystem: String
    /// Seconds the probe ran.
    public var seconds: Double
    /// The pace asked for, samples per second.
    public var targetRate: Double
    /// Bytes appended per sample.
    public var bytes: Int
    /// Samples taken (at most `targetRate × seconds`, fewer when syncs ran late).
    public var samples: Int
    /// write + fdatasync latency percentiles, in milliseconds.
    public var p50Millis: Double
    public var p90Millis: Double
    public var p99Millis: Double
    public var p999Millis: Double
    public var maxMillis: Double

    /// A result from its values.
    public init(directory: String, filesystem: String, seconds: Double, targetRate: Double, bytes: Int, latency: LatencySummary) {
        self.directory = directory
        self.filesystem = filesystem
        self.seconds = seconds
        self.targetRate = targetRate
        self.bytes = bytes
        self.samples = latency.count
        self.p50Millis = latency.p50
        self.p90Millis = latency.p90
        self.p99Millis = latency.p99
        self.p999Millis = latency.p999
        self.maxMillis = latency.max
    }

    /// The report's one-line text: percentiles, then how many samples over how long.
    public var text: String {
        String(format: "p50 %.3f, p99 %.3f, p99.9 %.3f, max %.3f ms (%d samples of %d B in %.1f s at ~%.0f/s; ",
               p50Millis, p99Millis, p999Millis, maxMillis, samples, bytes, seconds, targetRate) + "\(filesystem) in \(directory))"
    }
}
