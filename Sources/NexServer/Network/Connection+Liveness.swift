import Dispatch
import NexWire

/// Idle connections: ping a quiet node, close one that stays silent or never finishes a frame
/// (`limits.idleTimeoutSeconds`; the decisions are the session machine's and its ``IdleWatch``'s).
/// Connection queue.
extension Connection {
    /// Starts watching an identified connection (after the handshake); no-op when the limit is off.
    func startIdleWatch() {
        perform(session.watchIdleness(timeout: context.limits.idleTimeout, at: DispatchTime.now().uptimeNanoseconds))
    }

    /// Bytes arrived from the peer.
    func noteReceived() {
        guard session.isWatchingIdleness else { return }
        session.bytesReceived(at: DispatchTime.now().uptimeNanoseconds)
    }

    /// The decoder produced `completedFrames` frames from what was read.
    func noteDecoded(completedFrames: Int) {
        guard session.isWatchingIdleness else { return }
        session.framesDecoded(completedFrames, bufferedBytes: decoder.bufferedByteCount, at: DispatchTime.now().uptimeNanoseconds)
    }

    /// One check pending at a time; each re-arms the next (the machine says when).
    func scheduleIdleCheck(atNanos deadline: UInt64) {
        queue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: deadline)) { [weak self] in
            self?.checkIdle()
        }
    }

    private func checkIdle() {
        dispatchPrecondition(condition: .onQueue(queue))
        perform(session.idleCheckDue(at: DispatchTime.now().uptimeNanoseconds, isReadPaused: isReadPaused))
    }

    func pingQuietNode(nonce: UInt64) {
        logger.debug("node quiet; sending ping")
        enqueue(.ping(nonce: nonce))
        flush()
    }

    func closeIdle(_ reason: IdleWatch.Reason) {
        let seconds = context.limits.idleTimeout.components.seconds
        let detail = switch reason {
        case .idle: "idle-timeout: nothing received for \(seconds) s, not even a pong (limits.idleTimeoutSeconds)"
        case .incompleteFrame: "incomplete-frame: a frame was left unfinished for \(seconds) s (limits.idleTimeoutSeconds)"
        }
        logger.warning("closing an idle connection", metadata: ["reason": "\(reason.rawValue)"])
        close(reason: detail, code: reason.rawValue)
    }
}
