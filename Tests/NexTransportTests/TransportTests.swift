import Glibc
@testable import NexTransport
import Testing

/// The transport over a real socket pair and TLS 1.3: handshake, bytes both ways, suspensions,
/// the read budget's yield, and the close (the descriptor only after both sources are cancelled).
@Suite struct TransportTests {
    /// The inode behind `fd`, nil when it is closed. Tests run in parallel in one process, so a
    /// closed descriptor's number can be reused at once by another test's socket: compare what
    /// the number refers to, not whether it is open (a ThreadSanitizer run saw fd 6 reused).
    static func fileIdentity(_ fd: Int32) -> ino_t? {
        var status = stat()
        return fstat(fd, &status) == 0 ? status.st_ino : nil
    }

    @Test func bytesCrossBothWaysAfterTheHandshake() throws {
        let pair = try TransportPair()
        #expect(pair.connect())
        pair.client.send(Array("hello".utf8))
        #expect(pair.server.wait { $0.received == Array("hello".utf8) })
        pair.server.send(Array("welcome".utf8))
        #expect(pair.client.wait { $0.received == Array("welcome".utf8) })
        #expect(pair.server.read { $0.transport.pendingOutputBytes } == 0)
    }

    @Test func nothingIsReadWhileAnySuspensionHolds() throws {
        let pair = try TransportPair()
        #expect(pair.connect())
        pair.server.read { $0.transport.setReading(suspended: true, for: .paused) }
        pair.client.send([1, 2, 3])
        usleep(100_000)
        #expect(pair.server.read { $0.received.isEmpty && $0.transport.isReadPaused })
        pair.server.read { endpoint in
            endpoint.transport.setReading(suspended: false, for: .paused)
            #expect(!endpoint.transport.isReadPaused)
        }
        #expect(pair.server.wait { $0.received == [1, 2, 3] })
    }

    /// A TLS read that needs the socket writable suspends reading and arms the write source to be
    /// woken; a flush with nothing to send must not disarm it, or the read would wait for ever
    /// (review of issue 12: the old Connection had the same flaw).
    @Test func aReadWaitingForTheSocketToBeWritableKeepsTheWriteSourceArmed() throws {
        let pair = try TransportPair()
        #expect(pair.connect())
        pair.server.read { endpoint in
            endpoint.transport.setReading(suspended: true, for: .awaitingWritable)
            endpoint.transport.armWriteSource()
            #expect(endpoint.transport.flush() == .done)
            #expect(endpoint.transport.isWriteSourceArmed)
            endpoint.transport.setReading(suspended: false, for: .awaitingWritable)
            #expect(endpoint.transport.flush() == .done)
            #expect(!endpoint.transport.isWriteSourceArmed)
        }
    }

    @Test func pastTheReadBudgetReadingYieldsAndResumesWithNothingLost() throws {
        let pair = try TransportPair()
        #expect(pair.connect())
        let payload = (0..<(ReadBudget.bytes * 3)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        // Everything waits in the socket first, so a turn finds more than its budget to read.
        pair.server.read { $0.transport.setReading(suspended: true, for: .paused) }
        pair.client.send(payload)
        _ = pair.client.wait { $0.transport.pendingOutputBytes == 0 }
        pair.server.read { endpoint in
            endpoint.transport.setReading(suspended: false, for: .paused)
            endpoint.drive()
        }
        #expect(pair.server.wait { $0.received.count == payload.count })
        #expect(pair.server.read { $0.received } == payload)
        // At least one turn ended on the budget and was resumed through the callback.
        #expect(pair.server.read { $0.resumptions } >= 1)
        // The last turn may itself end on the budget: its resumption hop then follows.
        #expect(pair.server.wait { !$0.transport.isReadPaused })
    }

    @Test func theFrameBudgetYieldsToo() throws {
        let pair = try TransportPair()
        #expect(pair.connect())
        let allowed = pair.server.read { endpoint -> Int in
            var count = 0
            while endpoint.transport.allowsAnotherFrame() {
                endpoint.transport.noteFrameHandled()
                count += 1
            }
            #expect(endpoint.transport.isReadSuspended(for: .readBudget))
            return count
        }
        #expect(allowed == ReadBudget.frames)
        #expect(pair.server.wait { !$0.transport.isReadPaused && $0.resumptions == 1 })
    }

    @Test func closingCancelsBothSourcesThenClosesTheSocketOnce() throws {
        let pair = try TransportPair()
        #expect(pair.connect())
        let fd = pair.server.transport.fileDescriptor
        let socket = try #require(Self.fileIdentity(fd))
        pair.server.read { $0.transport.setReading(suspended: true, for: .paused) }
        pair.server.read { $0.transport.close() }
        #expect(pair.server.wait { $0.closedCount == 1 })
        #expect(Self.fileIdentity(fd) != socket, "the socket is closed (its number may already serve another test's socket)")
        // The peer sees the end of the stream.
        #expect(pair.client.wait { $0.readEnds.last == .closed })
        pair.server.read { $0.transport.close() }
        #expect(pair.server.read { $0.closedCount } == 1)
    }

    @Test func aTransportClosedBeforeItStartedClosesItsSocketAtOnce() throws {
        let pair = try TransportPair()
        let fd = pair.server.transport.fileDescriptor
        let socket = try #require(Self.fileIdentity(fd))
        pair.server.read { $0.transport.close(shutdownTLS: false) }
        #expect(Self.fileIdentity(fd) != socket)
        pair.server.start()
        #expect(pair.server.read { $0.closedCount } == 1)
    }
}
