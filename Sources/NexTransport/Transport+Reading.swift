import Dispatch
import NexSync

/// Reading: the suspensions of the read source, the read loop and the read budget (D36).
extension Transport {
    /// Whether reading is suspended (for any reason).
    public var isReadPaused: Bool { !suspensions.isEmpty }

    /// Whether reading is suspended for `reason` (perhaps among others).
    public func isReadSuspended(for reason: Suspension) -> Bool { suspensions.contains(reason) }

    /// Suspends or resumes the read source for `reason`; the source runs only while no reason holds.
    public func setReading(suspended: Bool, for reason: Suspension) {
        guard !isClosed, let readSource else { return }
        let wasPaused = isReadPaused
        if suspended { suspensions.insert(reason) } else { suspensions.remove(reason) }
        if !wasPaused, isReadPaused { readSource.suspend() }
        if wasPaused, !isReadPaused { readSource.resume() }
    }

    /// Reads what TLS has into `buffer`, handing each chunk to `consume`, until nothing more is
    /// available, reading is suspended (`consume` may suspend it or close the transport), the
    /// turn's budget is spent (reading yields), or the stream ends. Any event may mean the socket
    /// became writable, so a read that waited for that goes on.
    public func readAvailable(into buffer: UnsafeMutableRawBufferPointer, _ consume: (UnsafeRawBufferPointer) -> Void) -> ReadEnd {
        setReading(suspended: false, for: .awaitingWritable)
        while !isClosed, !isReadPaused {
            if let budget = readBudget, !budget.allowsRead {
                yieldReading()
                return .suspended
            }
            switch session.read(into: buffer) {
            case .bytes(let count):
                readBudget?.noteRead(count)
                consume(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            case .wantRead:
                // Nothing more to read: the connection gives up its queue anyway.
                readBudget?.renew()
                return .drained
            case .wantWrite:
                // The level-triggered read source would spin until the socket drains.
                setReading(suspended: true, for: .awaitingWritable)
                armWriteSource()
                return .suspended
            case .closed:
                return .closed
            case .failed(let error):
                return .failed(error)
            }
        }
        return .suspended
    }

    /// Whether the owner may handle one more frame this turn; when the budget is spent, reading
    /// yields (and false is returned). Call ``noteFrameHandled()`` for each frame handled.
    public func allowsAnotherFrame() -> Bool {
        guard let budget = readBudget, !budget.allowsFrame else { return true }
        yieldReading()
        return false
    }

    /// One frame was handled this turn.
    public func noteFrameHandled() {
        readBudget?.noteFrame()
    }

    /// The read budget of this turn is spent: stops reading (the level-triggered read source would
    /// fire again at once) and resumes through another queue, so this queue empties and the other
    /// connections on its I/O queue get their turn first (D36). Frames still buffered by the owner,
    /// and bytes still inside TLS, are handled on resumption (`onReadingResumed`).
    private func yieldReading() {
        guard !isReadSuspended(for: .readBudget) else { return }
        setReading(suspended: true, for: .readBudget)
        // At the message path's QoS: a hop through a default-QoS thread (nice 0 on Linux) waits
        // behind the path's own threads under load (D77).
        DispatchQueue.global(qos: MessagePath.qos.qosClass).async {
            self.queue.async {
                guard !self.isClosed, self.isReadSuspended(for: .readBudget) else { return }
                self.readBudget?.renew()
                self.setReading(suspended: false, for: .readBudget)
                if !self.isReadPaused { self.onReadingResumed?() }
            }
        }
    }
}
