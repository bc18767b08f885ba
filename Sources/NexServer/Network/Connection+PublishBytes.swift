/// The byte bound on publishes in flight (limits.maxInFlightPublishBytesPerConnection): reading
/// pauses while this connection's unanswered publishes hold that many bytes (see
/// ``InFlightPublishBytes``).
extension Connection {
    /// A publish of `size` bytes was read (connection queue).
    func publishBytesTaken(_ size: Int) {
        if inFlightPublishBytes.taken(size, limit: limits.maxInFlightPublishBytesPerConnection), session.isEstablished {
            setReading(suspended: true, for: .unansweredBytes)
        }
    }

    /// A publish was answered (connection queue, while draining the outbox); reading resumes once
    /// the bytes unanswered are below half the limit.
    func publishBytesAnswered() {
        guard inFlightPublishBytes.answered(limit: limits.maxInFlightPublishBytesPerConnection),
              transport.isReadSuspended(for: .unansweredBytes) else { return }
        // After the drain in progress, not inside it.
        queue.async { self.resumeReading(after: .unansweredBytes) }
    }
}
