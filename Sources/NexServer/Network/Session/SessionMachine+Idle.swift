/// Idleness (`limits.idleTimeoutSeconds`): once a node is admitted, the machine's ``IdleWatch``
/// is told when bytes arrive and how the decoder stands, and each idle tick says whether to ping
/// the node, close it, or look again later. Times are monotonic nanoseconds.
extension SessionMachine {
    /// Starts watching an admitted session; nothing when the limit is off (`timeout` zero) or the
    /// watch runs already. Returns the first check to schedule.
    mutating func watchIdleness(timeout: Duration, at now: UInt64) -> [SessionAction] {
        guard timeout > .zero, idleWatch == nil, isEstablished else { return [] }
        let watch = IdleWatch(timeout: timeout, startingAt: now)
        idleWatch = watch
        return [.scheduleIdleCheck(atNanos: watch.nextDeadlineNanos)]
    }

    /// Whether idleness is watched (the connection reads the clock only then).
    var isWatchingIdleness: Bool { idleWatch != nil }

    /// Bytes arrived from the peer.
    mutating func bytesReceived(at now: UInt64) {
        idleWatch?.received(at: now)
    }

    /// The decoder produced `completedFrames` frames and holds `bufferedBytes` of the next.
    mutating func framesDecoded(_ completedFrames: Int, bufferedBytes: Int, at now: UInt64) {
        idleWatch?.decoded(completedFrames: completedFrames, bufferedBytes: bufferedBytes, at: now)
    }

    /// The scheduled idle check is due. While nexd does not read (`isReadPaused`: backpressure),
    /// the peer's silence is nexd's doing and does not count.
    mutating func idleCheckDue(at now: UInt64, isReadPaused: Bool) -> [SessionAction] {
        guard isEstablished, var watch = idleWatch else { return [] }
        if isReadPaused { watch.readingPaused(at: now) }
        let verdict = watch.check(at: now)
        idleWatch = watch
        switch verdict {
        case .none:
            return [.scheduleIdleCheck(atNanos: watch.nextDeadlineNanos)]
        case .ping:
            return [.pingQuietNode(nonce: now), .scheduleIdleCheck(atNanos: watch.nextDeadlineNanos)]
        case .close(let reason):
            return [.closeIdle(reason)]
        }
    }
}
