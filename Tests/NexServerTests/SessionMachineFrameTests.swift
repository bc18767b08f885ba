import NexWire
import Testing
@testable import NexServer

/// What the session machine makes of each frame: hello first, the refusals, control-frame
/// admission and the receipt bound; and the same frames drip-fed byte by byte through the decoder.
@Suite struct SessionMachineFrameTests {
    typealias T = SessionMachineTests
    static let noDeliveries = T.noDeliveries

    /// Frames only nexd sends.
    static let nexdOnlyFrames: [Frame] = [
        .welcome(Welcome(nodeID: "n", role: "bank", country: "rw", maximumFrameSize: 1, maximumSubscriptions: 1,
                         replayWindowSeconds: 1, serverTimeMillis: 1)),
        .ack(Ack(messageID: .zero, auditSequence: 1)),
        .nack(Nack(messageID: .zero, code: .overloaded, reason: "r")),
        .suback(SubscribeAck(subscriptionID: 1)),
        .subnack(SubscribeNack(subscriptionID: 1, code: .invalidFilter, reason: "r")),
        .unsuback(subscriptionID: 1),
        .deliver(Deliver(deliverySequence: 1, subscriptionIDs: [1], originNode: "n", receivedAtMillis: 1,
                         certificateFingerprint: [UInt8](repeating: 0, count: 32), auditSequence: 1, envelope: [1])),
        .certificateResponse(fingerprint: [UInt8](repeating: 0, count: 32), der: []),
        .error(code: .overloaded, reason: "r"),
        .checkpoint(bytes: [1, 2]),
    ]

    // MARK: - Before hello

    @Test(arguments: [Frame.ping(nonce: 1), .publish(envelope: [1]), .subscribe(Subscribe(subscriptionID: 1, filter: "a.b")),
                      .receipt(throughDeliverySequence: 0), .pong(nonce: 1)] + nexdOnlyFrames)
    func anyFrameBeforeHelloIsAProtocolError(frame: Frame) {
        var machine = T.machine()
        _ = machine.handshakeCompleted(.accepted)
        #expect(machine.frameDecoded(frame, deliveries: Self.noDeliveries, nowNanos: 0)
            == T.protocolError(.protocolViolation, "the first frame must be hello"))
        #expect(machine.phase == .closing(.protocolError(.protocolViolation)))
    }

    @Test func aHelloOfAnotherVersionIsRefused() {
        var machine = T.machine()
        _ = machine.handshakeCompleted(.accepted)
        let hello = Hello(protocolVersion: WireLimits.protocolVersion + 1, clientName: "t")
        #expect(machine.frameDecoded(.hello(hello), deliveries: Self.noDeliveries, nowNanos: 0)
            == T.protocolError(.unsupportedVersion, "protocol version \(WireLimits.protocolVersion + 1) is not supported; "
                + "this nexd speaks version \(WireLimits.protocolVersion)"))
        #expect(machine.phase == .closing(.protocolError(.unsupportedVersion)))
    }

    /// A hello listing `lifecycle.1` tells the broker (follow-ups may then reach the connection with
    /// no subscription id, D57); one that lists only other names, or nothing, does not.
    @Test(arguments: [
        ([Capability.lifecycle], true), ([Capability.inbox, Capability.lifecycle, "future.9"], true),
        ([Capability.inbox], false), (["lifecycle.2"], false), ([], false),
    ] as [([String], Bool)])
    func aHelloWithLifecycleIsNotedAtTheBroker(_ listed: [String], _ noted: Bool) {
        var machine = T.machine()
        _ = machine.handshakeCompleted(.accepted)
        let hello = Hello(clientName: "t", extensions: [Hello.capabilitiesExtension(listed)])
        #expect(machine.frameDecoded(.hello(hello), deliveries: Self.noDeliveries, nowNanos: 0) == (noted ? [.noteLifecycle] : []))
        #expect(machine.capabilities.contains(Capability.lifecycle) == noted)
    }

    // MARK: - After hello

    @Test func aSecondHelloIsAProtocolError() {
        var machine = T.openMachine()
        #expect(machine.frameDecoded(.hello(Hello(clientName: "t")), deliveries: Self.noDeliveries, nowNanos: 0)
            == T.protocolError(.protocolViolation, "hello was already received"))
    }

    @Test(arguments: nexdOnlyFrames)
    func framesNexdSendsAreRefusedWhenSentToIt(frame: Frame) {
        var machine = T.openMachine()
        #expect(machine.frameDecoded(frame, deliveries: Self.noDeliveries, nowNanos: 0)
            == T.protocolError(.protocolViolation, "\(frame.type) frames are sent by nexd, not to it"))
    }

    @Test func eachFrameAFrameNodeMaySendIsHandedToItsHandler() {
        var machine = T.openMachine()
        let fingerprint = [UInt8](repeating: 7, count: 32)
        let subscribe = Subscribe(subscriptionID: 4, filter: "alerts.>")
        let delivered = DeliveryWindow.Summary(nextSequence: 3, firstUnreceipted: 1)
        let cases: [(Frame, [SessionAction])] = [
            (.publish(envelope: [9]), [.publish([9])]),
            (.subscribe(subscribe), [.subscribe(subscribe)]),
            (.unsubscribe(subscriptionID: 4), [.unsubscribe(4)]),
            (.receipt(throughDeliverySequence: 2), [.recordReceipts(through: 2)]),
            (.certificateRequest(fingerprint: fingerprint), [.answerCertificateRequest(fingerprint)]),
            (.ping(nonce: 42), [.send(.pong(nonce: 42))]),
            (.pong(nonce: 42), []),
        ]
        for (index, (frame, expected)) in cases.enumerated() {
            #expect(machine.frameDecoded(frame, deliveries: delivered, nowNanos: UInt64(index) * T.second) == expected)
        }
        #expect(machine.phase == .open)
    }

    @Test func aReceiptBeyondWhatWasSentIsAProtocolError() {
        var machine = T.openMachine()
        let delivered = DeliveryWindow.Summary(nextSequence: 3, firstUnreceipted: 1)
        #expect(machine.frameDecoded(.receipt(throughDeliverySequence: 3), deliveries: delivered, nowNanos: 0)
            == T.protocolError(.protocolViolation, "receipt for delivery 3 but only 2 were sent"))
    }

    @Test func pastTheControlFrameRateTheSessionEndsWithOverloaded() {
        var machine = T.openMachine(controlRate: 2)
        #expect(machine.frameDecoded(.ping(nonce: 1), deliveries: Self.noDeliveries, nowNanos: 0) == [.send(.pong(nonce: 1))])
        #expect(machine.frameDecoded(.ping(nonce: 2), deliveries: Self.noDeliveries, nowNanos: 0) == [.send(.pong(nonce: 2))])
        // A publish is not a control frame: never counted.
        #expect(machine.frameDecoded(.publish(envelope: [1]), deliveries: Self.noDeliveries, nowNanos: 0) == [.publish([1])])
        let detail = "more than 2 control frames a second (certificateRequest, ping, subscribe, unsubscribe, "
            + "pong, a receipt that confirms nothing new; limits.controlFramesPerSecondPerConnection); last was unsubscribe"
        #expect(machine.frameDecoded(.unsubscribe(subscriptionID: 1), deliveries: Self.noDeliveries, nowNanos: 0) == [
            .noteControlFrameRateExceeded(.unsubscribe, limit: 2), .send(.error(code: .overloaded, reason: detail)), .closeAfterFlush,
        ])
        #expect(machine.phase == .closing(.ended(code: "control-frame-rate", detail: detail)))
    }

    @Test func pongsAndReceiptsThatConfirmNothingNewTakeControlTokens() {
        var machine = T.openMachine(controlRate: 2)
        let delivered = DeliveryWindow.Summary(nextSequence: 5, firstUnreceipted: 3)
        // Confirms deliveries 3 and 4: not an idle frame, however many.
        for _ in 0..<5 {
            #expect(machine.frameDecoded(.receipt(throughDeliverySequence: 4), deliveries: delivered, nowNanos: 0)
                == [.recordReceipts(through: 4)])
        }
        #expect(machine.frameDecoded(.pong(nonce: 1), deliveries: delivered, nowNanos: 0) == [])
        // Confirms nothing new (2 < 3): the second token, then over the rate.
        #expect(machine.frameDecoded(.receipt(throughDeliverySequence: 2), deliveries: delivered, nowNanos: 0)
            == [.recordReceipts(through: 2)])
        #expect(machine.frameDecoded(.pong(nonce: 2), deliveries: delivered, nowNanos: 0).first
            == .noteControlFrameRateExceeded(.pong, limit: 2))
        // A second later the bucket has refilled — but the session is closing now.
        #expect(machine.frameDecoded(.ping(nonce: 3), deliveries: delivered, nowNanos: T.second) == [])
    }

    @Test func idleFramesAreThoseThatCostOnlyARead() {
        let none = Self.noDeliveries
        let pending = DeliveryWindow.Summary(nextSequence: 5, firstUnreceipted: 3)
        #expect(SessionMachine.isIdleFrame(.pong(nonce: 1), deliveries: none))
        #expect(SessionMachine.isIdleFrame(.receipt(throughDeliverySequence: 0), deliveries: none))
        #expect(SessionMachine.isIdleFrame(.receipt(throughDeliverySequence: 2), deliveries: pending))
        #expect(!SessionMachine.isIdleFrame(.receipt(throughDeliverySequence: 3), deliveries: pending))
        #expect(!SessionMachine.isIdleFrame(.ping(nonce: 1), deliveries: none))
        #expect(!SessionMachine.isIdleFrame(.publish(envelope: []), deliveries: none))
    }

    // MARK: - Drip-fed

    /// Feeds `bytes` one at a time through a decoder into `machine`; returns every action, and
    /// the decoder error if one stopped it.
    static func dripFeed(_ bytes: [UInt8], into machine: inout SessionMachine) -> [SessionAction] {
        var decoder = FrameDecoder(maximumFrameSize: 4096)
        var actions: [SessionAction] = []
        for byte in bytes {
            decoder.append([byte])
            do {
                while let frame = try decoder.next() {
                    actions += machine.frameDecoded(frame, deliveries: noDeliveries, nowNanos: 0)
                }
            } catch {
                return actions + machine.decodingFailed(error)
            }
        }
        return actions
    }

    @Test func framesDripFedByteByByteAreHandledOnceEachInOrder() {
        var machine = T.machine()
        _ = machine.handshakeCompleted(.accepted)
        var bytes: [UInt8] = []
        let subscribe = Subscribe(subscriptionID: 9, filter: "a.>")
        for frame: Frame in [.hello(Hello(clientName: "drip", extensions: [Hello.acceptsCheckpointsExtension])),
                             .ping(nonce: 5), .subscribe(subscribe), .publish(envelope: [1, 2, 3]), .hello(Hello(clientName: "again"))] {
            FrameEncoder.encode(frame, into: &bytes)
        }
        #expect(Self.dripFeed(bytes, into: &machine)
            == [.send(.pong(nonce: 5)), .subscribe(subscribe), .publish([1, 2, 3])]
                + T.protocolError(.protocolViolation, "hello was already received"))
        #expect(machine.phase == .closing(.protocolError(.protocolViolation)))
        #expect(!machine.receivesCheckpoints)   // closing
    }

    @Test func aMalformedFrameDripFedEndsTheSessionWithTheDecodersCode() {
        var machine = T.openMachine()
        // Length 1, type 0x6E: no such frame type.
        let actions = Self.dripFeed([0, 0, 0, 1, 0x6E], into: &machine)
        guard case .recordProtocolError(let error)? = actions.first else {
            Issue.record("expected a protocol error, got \(actions)")
            return
        }
        #expect(actions == T.protocolError(error.code, error.reason))
        #expect(machine.phase == .closing(.protocolError(error.code)))
    }
}
