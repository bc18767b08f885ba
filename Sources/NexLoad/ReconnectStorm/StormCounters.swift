import Synchronization

/// Counters of one phase of a reconnect storm, shared by every lane and polled by the runner.
/// Relaxed atomics: each is a plain tally, nothing else is published through them.
final class StormCounters: Sendable {
    /// Posts past their handshake: attached (`suback`), or failed before it.
    let pastHandshake = Atomic<Int>(0)
    /// Posts done with the phase: attached and left (phase 1), drained (phase 3), or failed.
    let finished = Atomic<Int>(0)
    /// Posts whose connection failed or was refused.
    let failed = Atomic<Int>(0)
    /// Distinct measured notices received, over every post.
    let received = Atomic<Int>(0)

    init() {}
}
