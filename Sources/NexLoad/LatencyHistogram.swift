import Histogram

/// Latencies in nanoseconds, kept in an HDR histogram (3 significant digits, up to 10 minutes).
///
/// A value type: each queue records into its own and the runner merges them with ``add(_:)``,
/// so recording never takes a lock.
public struct LatencyHistogram: Sendable {
    /// The longest latency tracked; longer ones are clamped to it (and counted in ``clamped``).
    public static let highestTrackableNanoseconds: UInt64 = 600_000_000_000
    private var histogram = Histogram<UInt64>(
        highestTrackableValue: LatencyHistogram.highestTrackableNanoseconds, numberOfSignificantValueDigits: .three)
    /// Values above ``highestTrackableNanoseconds``, recorded as that value.
    public private(set) var clamped = 0

    /// An empty histogram.
    public init() {}

    /// Records one latency.
    @inline(__always)
    public mutating func record(nanoseconds: UInt64) {
        var value = nanoseconds
        if value > Self.highestTrackableNanoseconds {
            value = Self.highestTrackableNanoseconds
            clamped += 1
        }
        _ = histogram.record(max(value, 1))
    }

    /// Adds every value of `other`.
    public mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
        clamped += other.clamped
    }

    /// How many values were recorded.
    public var count: UInt64 { histogram.totalCount }

    /// The value at `percentile` (0–100), in nanoseconds; 0 when empty.
    public func nanoseconds(atPercentile percentile: Double) -> UInt64 {
        count == 0 ? 0 : histogram.valueAtPercentile(percentile)
    }

    /// The largest recorded value, in nanoseconds (its histogram bucket's upper end).
    public var maximumNanoseconds: UInt64 { count == 0 ? 0 : histogram.max }

    /// p50, p90, p99, p99.9 and max in milliseconds.
    public var summary: LatencySummary {
        func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }
        return LatencySummary(
            count: Int(count), p50: ms(nanoseconds(atPercentile: 50)), p90: ms(nanoseconds(atPercentile: 90)),
            p99: ms(nanoseconds(atPercentile: 99)), p999: ms(nanoseconds(atPercentile: 99.9)), max: ms(maximumNanoseconds))
    }
}

/// Percentiles of a latency distribution, in milliseconds.
public struct LatencySummary: Codable, Sendable, Equatable {
    /// Values recorded.
    public var count: Int
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double

    /// A summary from its values.
    public init(count: Int, p50: Double, p90: Double, p99: Double, p999: Double, max: Double) {
        self.count = count
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
    }
}
