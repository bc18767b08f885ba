import Synchronization

/// Counters of one phase (warm-up or measured), shared by every lane and read by the runner
/// (progress line, completion). Relaxed atomics: each is a plain tally, nothing else is published
/// through them.
final class PhaseCounters: Sendable {
    /// Notices sent.
    let sent = Atomic<Int>(0)
    /// ACKs plus NACKs received.
    let answered = Atomic<Int>(0)
    /// NACKs received.
    let nacked = Atomic<Int>(0)
    /// Deliveries the acknowledged notices should produce.
    let expected = Atomic<Int>(0)
    /// First receptions of a notice by a subscriber.
    let delivered = Atomic<Int>(0)
    /// Publishers with every notice of the phase answered.
    let publishersDone = Atomic<Int>(0)

    init() {}
}

/// Run-wide counters: one ``PhaseCounters`` per phase plus connection counts.
final class LoadCounters: Sendable {
    /// Index 0 warm-up, 1 measured.
    let phases = [PhaseCounters(), PhaseCounters()]
    /// Subscribers whose subscription is active.
    let subscribed = Atomic<Int>(0)
    /// Stalled subscribers whose subscription is active (and which stopped reading).
    let stalledSubscribed = Atomic<Int>(0)
    /// Connections that reached `welcome`.
    let opened = Atomic<Int>(0)
    /// Connections that failed or were closed by nexd before the end.
    let failed = Atomic<Int>(0)

    init() {}
}

/// When each measured notice was (or was meant to be) sent, per publisher, in monotonic
/// nanoseconds: written by the publisher's lane, read by any subscriber's lane.
final class SendTimes: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Atomic<UInt64>>
    let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(count, 1))
        for index in 0..<max(count, 1) { (slots + index).initialize(to: Atomic<UInt64>(0)) }
    }

    deinit {
        slots.deinitialize(count: max(count, 1))
        slots.deallocate()
    }

    @inline(__always)
    func set(_ index: Int, _ nanoseconds: UInt64) {
        guard index < count else { return }
        slots[index].store(nanoseconds, ordering: .relaxed)
    }

    /// The send time of `index`, or 0 if unknown.
    @inline(__always)
    func get(_ index: Int) -> UInt64 {
        guard index >= 0, index < count else { return 0 }
        return slots[index].load(ordering: .relaxed)
    }
}
