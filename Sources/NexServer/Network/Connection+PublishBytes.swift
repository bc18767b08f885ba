/// The byte bound on publishes in flight (limits.maxInFlightPublishBytesPerConnection): reading
/// pauses while this connection's unanswered publishes hold that many bytes (see
/// ``InFlightPublishBytes``).
extension Connection {
    /// A publish of `size` bytes was read (connection queue).
    func publishBytesTaken(_ size: Int) {
        if inFlightPublishBytes.taken(size, limit: context.limits.maximumInFlightPublishBytes), state == .open {
            setReading(suspended: true, for: .unansweredBytes)
        }
    }

    /// A publish was answered (connection queue, while draining the outbox); reading resumes once
    /// the bytes unanswered are below half the limit.
    func publishBytesAnswered() {
        guard inFlightPublishBytes.answered(limit: context.limits.maximumInFlightPublishBytes),
              isReadSuspended(for: .unansweredBytes) else { return }
        // After the drain in progress, not inside it.
        queue.async {
            guard self.state == .open, self.isReadSuspended(for: .unansweredBytes) else { return }
            self.setReading(suspended: false, for: .unansweredBytes)
            if !self.isReadPaused {
                self.processFrames()
                self.drive()
            }
        }
    }
}
