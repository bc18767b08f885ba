import Dispatch
import NexWire

/// Idle connections: ping a quiet node, close one that stays silent or never finishes a frame
/// (`limits.idleTimeoutSeconds`; the decisions are ``IdleWatch``'s). Connection queue.
extension Connection {
    /// Starts watching an identified connection (after the handshake); no-op when the limit is off.
    func startIdleWatch() {
        let timeout = context.limits.idleTimeout
        guard timeout > .zero, idleWatch == nil else { return }
        idleWatch = IdleWatch(timeout: timeout, startingAt: DispatchTime.now().uptimeNanoseconds)
        scheduleIdleCheck()
    }

    /// Bytes arrived from the peer.
    func noteReceived() {
        guard idleWatch != nil else { return }
        idleWatch?.received(at: DispatchTime.now().uptimeNanoseconds)
    }

    /// The decoder produced `completedFrames` frames from what was read.
    func noteDecoded(completedFrames: Int) {
        guard idleWatch != nil else { return }
        idleWatch?.decoded(completedFrames: completedFrames, bufferedBytes: decoder.bufferedByteCount,
                           at: DispatchTime.now().uptimeNanoseconds)
    }

    private func scheduleIdleCheck() {
        guard let idleWatch else { return }
        // One check pending at a time; it re-arms itself for the next deadline.
        queue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: idleWatch.nextDeadlineNanos)) { [weak self] in
            self?.checkIdle()
        }
    }

    private func checkIdle() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard session.isEstablished, idleWatch != nil else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        // While nexd does not read (backpressure), the peer's silence is nexd's doing.
        if isReadPaused { idleWatch?.readingPaused(at: now) }
        switch idleWatch?.check(at: now) ?? .none {
        case .none:
            break
        case .ping:
            logger.debug("node quiet; sending ping")
            enqueue(.ping(nonce: now))
            flush()
        case .close(let reason):
            closeIdle(reason)
            return
        }
        scheduleIdleCheck()
    }

    private func closeIdle(_ reason: IdleWatch.Reason) {
        let seconds = context.limits.idleTimeout.components.seconds
        let detail = switch reason {
        case .idle: "idle-timeout: nothing received for \(seconds) s, not even a pong (limits.idleTimeoutSeconds)"
        case .incompleteFrame: "incomplete-frame: a frame was left unfinished for \(seconds) s (limits.idleTimeoutSeconds)"
        }
        logger.warning("closing an idle connection", metadata: ["reason": "\(reason.rawValue)"])
        close(reason: detail, code: reason.rawValue)
    }
}
