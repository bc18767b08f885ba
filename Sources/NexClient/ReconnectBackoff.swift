/// How long a client waits before its next connection attempt: exponential backoff with full
/// jitter.
///
/// The n-th attempt since the last good session waits a uniformly random time in
/// `0 ..< min(maximumDelay, initialDelay × factor^(n-1))` ("full jitter": many border posts that
/// lost nexd at the same moment spread their reconnects over the whole window instead of
/// arriving together at each step). ``reset()`` after a session that lasted starts again at the
/// initial delay. A pure value: the random source is passed in, so tests are deterministic.
public struct ReconnectBackoff: Sendable, Equatable {
    /// The first attempt's ceiling. Default 0.5 s.
    public let initialDelay: Duration
    /// How much each further attempt's ceiling grows. Default 2.
    public let factor: Double
    /// The largest ceiling. Default 30 s.
    public let maximumDelay: Duration
    /// Attempts made since the last ``reset()``.
    public private(set) var attempts = 0

    /// A backoff with the given bounds; a `maximumDelay` below `initialDelay` caps the first too.
    public init(initialDelay: Duration = .milliseconds(500), factor: Double = 2, maximumDelay: Duration = .seconds(30)) {
        precondition(initialDelay >= .zero && maximumDelay >= .zero && factor >= 1, "backoff bounds must be non-negative and grow")
        self.initialDelay = initialDelay
        self.factor = factor
        self.maximumDelay = maximumDelay
    }

    /// The ceiling of attempt `attempt` (1-based): `min(maximumDelay, initialDelay × factor^(attempt-1))`.
    public func ceiling(forAttempt attempt: Int) -> Duration {
        let cap = Self.seconds(maximumDelay)
        var seconds = Self.seconds(initialDelay)
        var step = 1
        // Grows until the cap, so the loop ends within a few dozen steps however many attempts.
        while step < attempt, seconds < cap, factor > 1 {
            seconds *= factor
            step += 1
        }
        return seconds >= cap ? maximumDelay : .nanoseconds(Int64(seconds * 1e9))
    }

    /// Counts one more attempt and returns how long to wait before it, drawn from `generator`.
    public mutating func nextDelay<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Duration {
        attempts += 1
        let ceiling = Self.seconds(ceiling(forAttempt: attempts))
        // A fraction in [0, 1) from the top 53 bits of one draw: exact for any generator (no
        // rejection loop), so a test's fixed words give fixed delays.
        let fraction = Double(generator.next() >> 11) / Double(UInt64(1) << 53)
        return .nanoseconds(Int64(fraction * ceiling * 1e9))
    }

    /// Counts one more attempt and returns how long to wait before it (system randomness).
    public mutating func nextDelay() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return nextDelay(using: &generator)
    }

    /// Starts again at the initial delay: call after a session that lasted (its subscription was accepted).
    public mutating func reset() {
        attempts = 0
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
