import Dispatch
import NexWire

/// Output and the close (connection queue): frames go to the transport's buffer; a session the
/// machine put in `closing` drains it, then closes.
extension Connection {
    var pendingOutputBytes: Int { transport.pendingOutputBytes }

    /// Queues a frame for sending. A peer that lets output pile up past `limits.outboundBufferBytes`
    /// (it does not read) is disconnected rather than allowed to grow nexd's memory. Under the `drop`
    /// policy deliveries stop being queued at that limit (Connection+Outbox.swift), so only the
    /// node's own answers can go past it, and it is disconnected at twice the limit.
    func enqueue(_ frame: Frame) {
        transport.append(frame)
        let limit = limits.slowConsumerPolicy == .drop ? 2 * limits.outboundBufferBytes : limits.outboundBufferBytes
        guard pendingOutputBytes > limit, session.isEstablished else { return }
        // Judge by what the socket will not take, not by one burst queued between two flushes.
        flush()
        if pendingOutputBytes > limit, session.isEstablished {
            abandonSlowConsumer("slow-consumer: more than \(limit) bytes pending (limits.outboundBufferBytes)")
        }
    }

    /// Writes pending output until done or the socket is full; a closing session closes once done.
    func flush() {
        guard session.phase != .closed else { return }
        switch transport.flush() {
        case .done:
            if session.isClosing { close(reason: nil) }
        case .waiting:
            break
        case .closed:
            close(reason: "peer closed the connection")
        case .failed(let error):
            close(reason: "TLS write failed: \(error)")
        }
    }

    /// Stops reading, sends what is queued (an error frame), then closes. The session machine has
    /// entered `closing` already.
    func closeAfterFlush() {
        transport.setReading(suspended: true, for: .closing)
        // A peer that never reads must not hold the connection open.
        queue.asyncAfter(deadline: .now() + .seconds(5)) {
            if self.session.isClosing { self.close(reason: "drain-timeout: the peer did not read the final frames") }
        }
        flush()
    }

    /// Closes now. `reason` nil = orderly close after a drain; `code`, when given, is the stable
    /// reason of the disconnect record (`slow-consumer`, `idle-timeout`, …).
    func close(reason: String?, code: String? = nil) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard session.phase != .closed else { return }
        let wasOpen = identity != nil
        let endReason = session.closed()
        endPendingHandshake()
        transport.close()
        if wasOpen {
            recordDroppedDeliveries()
            connectionEnded(reason: reason ?? "closed by nexd", code: code, endReason: endReason)
        }
    }
}
