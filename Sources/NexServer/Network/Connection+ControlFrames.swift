import Dispatch
import NexAudit
import NexWire

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
    /// The stable reason of the disconnect record when a connection goes over its control-frame rate.
    static let controlFrameRateReason = "control-frame-rate"

    /// Frames that cost nexd a read and nothing else, so nothing else would bound them: a `pong`
    /// (a node answers nexd's idle pings, rarely) and a `receipt` that confirms no delivery not
    /// confirmed already. They take a control-frame token too, so a stream of them cannot hold
    /// this connection's I/O queue (D34).
    func isIdleFrame(_ frame: Frame) -> Bool {
        switch frame {
        case .pong:
            return true
        case .receipt(let through):
            return !(unreceiptedStart < unreceipted.count && unreceipted[unreceiptedStart].sequence <= through)
        default:
            return false
        }
    }

    /// Takes a token for `frame`; past the rate, ends the session (error frame, audited) and
    /// returns false.
    func admitControlFrame(_ frame: Frame) -> Bool {
        if controlBudget.admit(nowNanos: DispatchTime.now().uptimeNanoseconds) { return true }
        let rate = controlBudget.ratePerSecond
        let detail = "more than \(rate) control frames a second (certificateRequest, ping, subscribe, unsubscribe, "
            + "pong, a receipt that confirms nothing new; "
            + "limits.controlFramesPerSecondPerConnection); last was \(frame.type)"
        endReason = (Self.controlFrameRateReason, detail)
        logger.warning("control frame rate exceeded; closing", metadata: ["frame.type": "\(frame.type)", "limit": "\(rate)"])
        enqueue(.error(code: .overloaded, reason: detail))
        closeAfterFlush()
        return false
    }

    /// A control frame's answer now waits off the connection queue; reading pauses at the limit.
    func controlFrameAwaitsAnswer() {
        if controlBudget.answerPending(), state == .open {
            setReading(suspended: true, for: .unansweredControl)
        }
    }

    /// A control frame's answer reached the output (connection queue, while draining the outbox);
    /// reading resumes once fewer than half the limit wait.
    func controlFrameAnswered() {
        guard controlBudget.answerQueued(), isReadPaused else { return }
        // After the drain in progress, not inside it; and through another queue, so the
        // connection queue empties and the other connections on its I/O queue get their turn
        // first (a serial queue that keeps being fed is drained without yielding).
        DispatchQueue.global().async {
            self.queue.async {
                guard self.state == .open, self.controlBudget.unanswered < max(1, self.controlBudget.maximumUnanswered / 2) else { return }
                self.setReading(suspended: false, for: .unansweredControl)
                if !self.isReadPaused {
                    self.processFrames()
                    self.drive()
                }
            }
        }
    }
}

extension Frame {
    /// Frames a node may send at will that nexd answers or acts on: rate-limited per connection.
    var isControlFrame: Bool {
        switch self {
        case .certificateRequest, .ping, .subscribe, .unsubscribe: true
        default: false
        }
    }
}
