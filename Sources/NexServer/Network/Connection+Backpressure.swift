import Dispatch

/// Reading pauses while a peer has too much work waiting in nexd, and resumes below half of it
/// (connection queue): publishes awaiting verification (backpressure) or their answer (the audit
/// log is behind), control frames awaiting theirs (Connection+ControlFrames.swift). The transport
/// keeps the set of reasons; the read source runs only while none holds.
extension Connection {
    /// Whether reading is suspended (for any reason).
    var isReadPaused: Bool { transport.isReadPaused }

    /// Suspends or resumes reading for `reason`.
    func setReading(suspended: Bool, for reason: ReadSuspension) {
        transport.setReading(suspended: suspended, for: reason)
    }

    /// Lifts `reason` if the session is still established and reading is still suspended for it,
    /// then handles what waits: bytes already decrypted inside OpenSSL, or frames already buffered
    /// in the decoder, do not re-fire the read source, so the connection drives by hand.
    func resumeReading(after reason: ReadSuspension, if condition: () -> Bool = { true }) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard session.isEstablished, transport.isReadSuspended(for: reason), condition() else { return }
        setReading(suspended: false, for: reason)
        if !isReadPaused {
            processFrames()
            drive()
        }
    }

    /// Stops reading while too many of this connection's publishes await verification and routing;
    /// ``resumeReading()`` restarts it. Bounds the verification backlog a single peer can create.
    func pauseReading() {
        guard session.isEstablished else { return }
        setReading(suspended: true, for: .backpressure)
    }

    /// Restarts reading after ``pauseReading()`` (from any queue).
    func resumeReading() {
        queue.async { self.resumeReading(after: .backpressure) }
    }

    /// The unanswered publishes this connection may have now: `limits.maxInFlightPublishesPerConnection`,
    /// or `limits.inFlightPublishesWhileUrgent` while urgent notices flow (D68).
    var inFlightPublishLimit: Int {
        UrgentHeadroom.limit(configured: limits.maxInFlightPublishesPerConnection, whileUrgent: limits.inFlightPublishesWhileUrgent,
                             urgentActive: context.broker.urgentHeadroom.isActive(atNanos: DispatchTime.now().uptimeNanoseconds))
    }

    /// One more publish awaits its answer (connection queue); reading pauses at the limit, so a
    /// peer cannot queue publishes without end behind a slow disk.
    func publishTaken() {
        unansweredPublishes += 1
        if unansweredPublishes >= inFlightPublishLimit, session.isEstablished {
            setReading(suspended: true, for: .unacknowledged)
        }
    }

    /// A publish was answered (connection queue, while draining the outbox); reading resumes
    /// once fewer than half the limit are unanswered.
    func publishAnswered() {
        unansweredPublishes -= 1
        guard transport.isReadSuspended(for: .unacknowledged),
              unansweredPublishes < max(1, inFlightPublishLimit / 2) else { return }
        // After the drain in progress, not inside it.
        queue.async { self.resumeReading(after: .unacknowledged) }
    }
}
