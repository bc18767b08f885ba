/// What the sustained disk probe measured (``SustainedDiskProbe``), in the directory the audit log
/// would use: the service time of each paced append + `fdatasync`, and the waiting time of
/// arrivals due at a steady rate and served by those syncs (the open-loop figure, comparable with
/// S5's publish→deliver). `--json` writes it as the report's `diskProbe`.
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
    /// write + fdatasync latency (service time) percentiles, in milliseconds.
    public var p50Millis: Double
    public var p90Millis: Double
    public var p99Millis: Double
    public var p999Millis: Double
    public var maxMillis: Double
    /// Arrivals (due every `1 / targetRate` seconds over the run).
    public var arrivals: Int
    /// Waiting time of those arrivals, due time → end of the sync that served them, in milliseconds.
    public var waitP50Millis: Double
    public var waitP99Millis: Double
    public var waitP999Millis: Double
    public var waitMaxMillis: Double

    /// A result from its values: `latency` the syncs' service times, `waiting` the arrivals' waits.
    public init(directory: String, filesystem: String, seconds: Double, targetRate: Double, bytes: Int,
                latency: LatencySummary, waiting: LatencySummary) {
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
        self.arrivals = waiting.count
        self.waitP50Millis = waiting.p50
        self.waitP99Millis = waiting.p99
        self.waitP999Millis = waiting.p999
        self.waitMaxMillis = waiting.max
    }

    /// The report's one-line text: the arrivals' waiting, the syncs' service time, then how many
    /// samples over how long.
    public var text: String {
        String(format: "waiting p50 %.3f, p99 %.3f, p99.9 %.3f, max %.3f ms (%d arrivals); write+fdatasync p50 %.3f, p99 %.3f, p99.9 %.3f, max %.3f ms (%d syncs of %d B in %.1f s at ~%.0f/s; ",
               waitP50Millis, waitP99Millis, waitP999Millis, waitMaxMillis, arrivals,
               p50Millis, p99Millis, p999Millis, maxMillis, samples, bytes, seconds, targetRate) + "\(filesystem) in \(directory))"
    }
}
