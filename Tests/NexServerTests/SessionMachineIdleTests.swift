import Testing
@testable import NexServer

/// Idle ticks through the session machine: ping at half the timeout, close at the whole, nothing
/// once the session is closing.
@Suite struct SessionMachineIdleTests {
    static let second = SessionMachineTests.second

    @Test func aQuietNodeIsPingedThenClosed() {
        var machine = SessionMachineTests.openMachine()
        #expect(machine.watchIdleness(timeout: .seconds(10), at: 0) == [.scheduleIdleCheck(atNanos: 5 * Self.second)])
        #expect(machine.watchIdleness(timeout: .seconds(10), at: 0) == [])   // once
        #expect(machine.idleCheckDue(at: 5 * Self.second, isReadPaused: false)
            == [.pingQuietNode(nonce: 5 * Self.second), .scheduleIdleCheck(atNanos: 10 * Self.second)])
        #expect(machine.idleCheckDue(at: 10 * Self.second, isReadPaused: false) == [.closeIdle(.idle)])
    }

    @Test func bytesFromTheNodeOrNexdNotReadingPutTheClockBack() {
        var machine = SessionMachineTests.openMachine()
        _ = machine.watchIdleness(timeout: .seconds(10), at: 0)
        machine.bytesReceived(at: 4 * Self.second)
        #expect(machine.idleCheckDue(at: 5 * Self.second, isReadPaused: false) == [.scheduleIdleCheck(atNanos: 9 * Self.second)])
        #expect(machine.idleCheckDue(at: 9 * Self.second, isReadPaused: true) == [.scheduleIdleCheck(atNanos: 14 * Self.second)])
    }

    @Test func aFrameLeftUnfinishedClosesEvenWhileBytesTrickle() {
        var machine = SessionMachineTests.openMachine()
        _ = machine.watchIdleness(timeout: .seconds(10), at: 0)
        machine.framesDecoded(0, bufferedBytes: 3, at: 1 * Self.second)
        for second in stride(from: 2, through: 10, by: 2) { machine.bytesReceived(at: UInt64(second) * Self.second) }
        #expect(machine.idleCheckDue(at: 11 * Self.second, isReadPaused: false) == [.closeIdle(.incompleteFrame)])
    }

    @Test func noWatchWithoutALimitOrBeforeAdmission() {
        var open = SessionMachineTests.openMachine()
        #expect(open.watchIdleness(timeout: .zero, at: 0) == [])
        #expect(!open.isWatchingIdleness)
        var handshaking = SessionMachineTests.machine()
        #expect(handshaking.watchIdleness(timeout: .seconds(10), at: 0) == [])
    }

    @Test func aClosingSessionIsNotPingedOrClosedAsIdle() {
        var machine = SessionMachineTests.openMachine()
        _ = machine.watchIdleness(timeout: .seconds(10), at: 0)
        _ = machine.end(SessionEnding(code: "shutdown", detail: "d", errorCode: .shuttingDown, errorReason: "r"))
        #expect(machine.idleCheckDue(at: 20 * Self.second, isReadPaused: false) == [])
    }
}
