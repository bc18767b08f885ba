import Dispatch
import NexAudit
import NexWire
import NexSync

/// Bounds on control frames (connection queue): `certificateRequest`, `ping`, `subscribe` and
/// `unsubscribe` cost nexd work and an answer but, unlike publishes, no ACK the peer waits for.
///
/// Two bounds, as for publishes (docs/PROTOCOL.md §6.4, D34):
/// - rate: at most `limits.controlFramesPerSecondPerConnection` a second (a token bucket holding
///   one second's worth); past it nexd sends `error overloaded` and closes, recorded as a
///   disconnect with reason `control-frame-rate`.
/// - queued work: an answer that leaves the connection queue (broker hop, outbox) is counted until
///   it is in the output; at `limits.maxUnansweredControlFramesPerConnection` reading pauses until
///   fewer than half remain. Answers in the output then count against `limits.outboundBufferBytes`
///   (a peer that does not read them is a slow consumer), so one peer's flood holds a bounded
///   amount of memory however fast it writes.
extension Connection {
    /// A control frame's answer now waits off the connection queue; reading pauses at the limit.
    /// (Admission by rate is the session machine's: ``SessionMachine/frameDecoded(_:deliveries:nowNanos:)``.)
    func controlFrameAwaitsAnswer() {
        if session.controlBudget.answerPending(), session.isEstablished {
            setReading(suspended: true, for: .unansweredControl)
        }
    }

    /// A control frame's answer reached the output (connection queue, while draining the outbox);
    /// reading resumes once fewer than half the limit wait.
    func controlFrameAnswered() {
        guard session.controlBudget.answerQueued(), isReadPaused else { return }
        // After the drain in progress, not inside it; and through another queue, so the
        // connection queue empties and the other connections on its I/O queue get their turn
        // first (a serial queue that keeps being fed is drained without yielding). At the message
        // path's QoS (D77).
        DispatchQueue.global(qos: MessagePath.qos.qosClass).async {
            self.queue.async {
                self.resumeReading(after: .unansweredControl) {
                    self.session.controlBudget.unanswered < max(1, self.session.controlBudget.maximumUnanswered / 2)
                }
            }
        }
    }
}

extension Frame {
    /// Frames a node may send at will that nexd answers or acts on: rate-limited per connection.
    var isControlFrame: Bool {
        switch self {
        case .certificateRequest, .ping, .subscribe, .subscribeDurable, .unsubscribe: true
        default: false
        }
    }
}
