import NexCrypto
import NexWire
import Testing
@testable import NexServer

/// The session machine without sockets: phases, every refusal, frames drip-fed through the decoder.
@Suite struct SessionMachineTests {
    static let second: UInt64 = 1_000_000_000
    /// Nothing delivered yet.
    static let noDeliveries = DeliveryWindow.Summary(nextSequence: 1, firstUnreceipted: nil)

    static func machine(controlRate: Int = 100) -> SessionMachine {
        SessionMachine(controlBudget: ControlFrameBudget(ratePerSecond: controlRate, maximumUnanswered: 8))
    }

    /// A machine past the handshake and hello.
    static func openMachine(controlRate: Int = 100, acceptsCheckpoints: Bool = false) -> SessionMachine {
        var machine = machine(controlRate: controlRate)
        _ = machine.handshakeCompleted(.accepted)
        let extensions = acceptsCheckpoints ? [Hello.acceptsCheckpointsExtension] : []
        _ = machine.frameDecoded(.hello(Hello(clientName: "test", extensions: extensions)), deliveries: noDeliveries, nowNanos: 0)
        return machine
    }

    static func protocolError(_ code: WireErrorCode, _ reason: String) -> [SessionAction] {
        let error = WireError(code, reason)
        return [.recordProtocolError(error), .send(.error(code: code, reason: reason)), .closeAfterFlush]
    }

    // MARK: - Phases

    @Test func aSessionGoesFromHandshakeThroughHelloToOpenAndClosed() {
        var machine = Self.machine()
        #expect(machine.phase == .handshaking)
        #expect(machine.isAwaitingIdentification && !machine.isEstablished)
        #expect(machine.handshakeCompleted(.accepted) == [.admit])
        #expect(machine.phase == .awaitingHello)
        #expect(machine.isEstablished && machine.isAwaitingIdentification && !machine.receivesCheckpoints)
        #expect(machine.frameDecoded(.hello(Hello(clientName: "t")), deliveries: Self.noDeliveries, nowNanos: 0) == [])
        #expect(machine.phase == .open)
        #expect(machine.isEstablished && !machine.isAwaitingIdentification)
        #expect(machine.closed() == nil)
        #expect(machine.phase == .closed)
        #expect(!machine.isEstablished)
    }

    @Test func checkpointsReachOnlyAnOpenNodeThatAskedForThem() {
        #expect(Self.openMachine(acceptsCheckpoints: true).receivesCheckpoints)
        #expect(!Self.openMachine(acceptsCheckpoints: false).receivesCheckpoints)
    }

    @Test(arguments: [
        (SessionRefusal.noCertificate, WireErrorCode.permissionDenied),
        (.invalidPurpose, .permissionDenied),
        (.certificateRevoked, .permissionDenied),
        (.notInRoster, .notInRoster),
        (.auditUnavailable, .auditUnavailable),
        (.tooManyConnectionsForNode, .overloaded),
    ])
    func aPeerRefusedAfterTheHandshakeIsToldWhyAndNeverOpen(refusal: SessionRefusal, code: WireErrorCode) {
        var machine = Self.machine()
        let actions = machine.handshakeCompleted(.refused(refusal, detail: "why"))
        #expect(actions == [.recordRefusal(refusal, detail: "why"), .send(.error(code: code, reason: "why")), .closeAfterFlush])
        #expect(machine.phase == .closing(.refused(refusal)))
        #expect(!machine.isEstablished)
        // Frames that were already on their way are not acted on; nexd cannot end it again.
        #expect(machine.frameDecoded(.hello(Hello(clientName: "t")), deliveries: Self.noDeliveries, nowNanos: 0) == [])
        #expect(machine.end(SessionEnding(code: "shutdown", detail: "d", errorCode: .shuttingDown, errorReason: "r")) == [])
        #expect(machine.handshakeEnded(.timedOut) == [])
    }

    @Test func aSecondHandshakeCompletionIsIgnored() {
        var machine = Self.openMachine()
        #expect(machine.handshakeCompleted(.accepted) == [])
        #expect(machine.phase == .open)
    }

    @Test(arguments: [HandshakeEnd.abandoned, .evicted,
                      .failed(TLSError(reason: .unknownIssuer, message: "unknown CA"))])
    func aHandshakeThatEndsIsRecordedAndClosedOnlyWhileHandshaking(end: HandshakeEnd) {
        var machine = Self.machine()
        #expect(machine.handshakeEnded(end) == [.recordHandshakeEnd(end), .closeNow(reason: nil, code: nil)])
        var identified = Self.machine()
        _ = identified.handshakeCompleted(.accepted)
        #expect(identified.handshakeEnded(end) == [])
    }

    @Test func theHandshakeTimeoutAppliesUntilHello() {
        let timedOut: [SessionAction] = [.recordHandshakeEnd(.timedOut),
                                         .closeNow(reason: "no TLS handshake and hello in time", code: "handshake-timeout")]
        var handshaking = Self.machine()
        #expect(handshaking.handshakeEnded(.timedOut) == timedOut)
        var awaitingHello = Self.machine()
        _ = awaitingHello.handshakeCompleted(.accepted)
        #expect(awaitingHello.handshakeEnded(.timedOut) == timedOut)
        var open = Self.openMachine()
        #expect(open.handshakeEnded(.timedOut) == [])
    }

    @Test func nexdEndsAnEstablishedSessionWithAFinalFrameAndItsReasonReachesTheRecord() {
        var machine = Self.openMachine()
        let ending = SessionEnding(code: "shutdown", detail: "nexd is stopping", errorCode: .shuttingDown,
                                   errorReason: "nexd is shutting down; reconnect later")
        #expect(machine.end(ending) == [.send(.error(code: .shuttingDown, reason: "nexd is shutting down; reconnect later")),
                                        .closeAfterFlush])
        #expect(machine.phase == .closing(.ended(code: "shutdown", detail: "nexd is stopping")))
        #expect(machine.isClosing && !machine.isEstablished)
        // Once closing, a second end changes nothing, and frames are not handled.
        #expect(machine.end(ending) == [])
        #expect(machine.frameDecoded(.ping(nonce: 1), deliveries: Self.noDeliveries, nowNanos: 0) == [])
        let end = machine.closed()
        #expect(end?.code == "shutdown" && end?.detail == "nexd is stopping")
    }

    @Test func aHandshakingSessionCannotBeEndedByNexd() {
        var machine = Self.machine()
        #expect(machine.end(SessionEnding(code: "shutdown", detail: "d", errorCode: .shuttingDown, errorReason: "r")) == [])
        #expect(machine.phase == .handshaking)
    }

    @Test func theStreamEndingInsideAFrameIsAnIncompleteFrame() {
        let machine = Self.openMachine()
        #expect(machine.peerEnded(reason: "peer closed the connection", unfinished: "the peer closed the connection",
                                  bufferedBytes: 0, decoderFailed: false)
            == [.closeNow(reason: "peer closed the connection", code: nil)])
        #expect(machine.peerEnded(reason: "peer closed the connection", unfinished: "the peer closed the connection",
                                  bufferedBytes: 3, decoderFailed: false)
            == [.closeNow(reason: "incomplete-frame: the peer closed the connection with 3 bytes of an unfinished frame",
                          code: "incomplete-frame")])
        #expect(machine.peerEnded(reason: "r", unfinished: "u", bufferedBytes: 3, decoderFailed: true)
            == [.closeNow(reason: "r", code: nil)])
    }
}
