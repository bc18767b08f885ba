import Dispatch

/// Fairness on a shared I/O queue (D36): connections are spread over one serial I/O queue per
/// core, and a serial queue that keeps being fed is drained without yielding. A connection whose
/// peer keeps writing within every rate would hold its I/O queue — and the handshakes and ACKs of
/// the connections sharing it — for as long as the bytes keep coming. So each turn reads at most
/// ``ReadBudget/bytes`` and handles at most ``ReadBudget/frames``, then yields.
extension Connection {
    /// The read budget of this turn is spent: stops reading (the level-triggered read source would
    /// fire again at once) and resumes through another queue, so the connection queue empties and
    /// the other connections on its I/O queue get their turn first. Frames still buffered in the
    /// decoder, and bytes still inside TLS, are handled on resumption, before anything more is read.
    func yieldReading() {
        guard !isReadSuspended(for: .readBudget) else { return }
        setReading(suspended: true, for: .readBudget)
        DispatchQueue.global().async {
            self.queue.async {
                guard self.state == .open, self.isReadSuspended(for: .readBudget) else { return }
                self.readBudget.renew()
                self.setReading(suspended: false, for: .readBudget)
                if !self.isReadPaused {
                    self.processFrames()
                    self.drive()
                }
            }
        }
    }
}
