import Testing
@testable import NexWire

@Suite struct FrameRoundTripTests {
    @Test(arguments: Fixtures.everyFrame)
    func roundTrip(_ frame: Frame) throws {
        let bytes = FrameEncoder.encode(frame)
        #expect(bytes[4] == frame.type.rawValue)
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        #expect(length == bytes.count - 4)
        var decoder = FrameDecoder()
        decoder.append(bytes)
        #expect(try decoder.next() == frame)
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func everyFrameTypeIsCovered() {
        let covered = Set(Fixtures.everyFrame.map(\.type))
        #expect(covered == Set(FrameType.allCases))
    }

    @Test func knownAnswerPing() {
        #expect(FrameEncoder.encode(.ping(nonce: 0x0102_0304_0506_0708)) == [0, 0, 0, 9, 0x50, 1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func knownAnswerSubscribe() {
        let bytes = FrameEncoder.encode(.subscribe(Subscribe(subscriptionID: 2, filter: "a.*")))
        #expect(bytes == [0, 0, 0, 10, 0x20, 0, 0, 0, 2, 0, 3, 0x61, 0x2E, 0x2A])
    }

    @Test func encodeIntoAppendsToExistingBuffer() throws {
        var buffer: [UInt8] = []
        for frame in Fixtures.everyFrame { FrameEncoder.encode(frame, into: &buffer) }
        var decoder = FrameDecoder()
        decoder.append(buffer)
        var decoded: [Frame] = []
        while let frame = try decoder.next() { decoded.append(frame) }
        #expect(decoded == Fixtures.everyFrame)
    }

    @Test func unknownExtensionTagsArePreserved() throws {
        // Hand-built suback: id 9, two extensions with tags no version defines.
        let body: [UInt8] = [0, 0, 0, 9, 0, 2, 0xAB, 0xCD, 0, 2, 0xDE, 0xAD, 0xFF, 0xFF, 0, 0]
        var decoder = FrameDecoder()
        decoder.append(Fixtures.rawFrame(type: 0x21, body: body))
        let frame = try decoder.next()
        let expected = SubscribeAck(
            subscriptionID: 9,
            extensions: [WireExtension(tag: 0xABCD, value: [0xDE, 0xAD]), WireExtension(tag: 0xFFFF, value: [])]
        )
        #expect(frame == .suback(expected))
        #expect(FrameEncoder.encode(.suback(expected)) == Fixtures.rawFrame(type: 0x21, body: body))
    }

    @Test func ackDuplicateFlag() {
        let ack = Ack(messageID: .zero, auditSequence: 1, flags: .duplicate)
        #expect(ack.isDuplicate)
        #expect(!Ack(messageID: .zero, auditSequence: 1).isDuplicate)
    }

    @Test func overlongReasonIsTruncatedAtScalarBoundary() throws {
        let reason = String(repeating: "é", count: 40_000)  // 80 000 UTF-8 bytes
        var decoder = FrameDecoder(maximumFrameSize: 1 << 20)
        decoder.append(FrameEncoder.encode(.error(code: .internalError, reason: reason)))
        guard case .error(_, let decoded)? = try decoder.next() else {
            Issue.record("expected an error frame")
            return
        }
        #expect(decoded.utf8.count == 65_534)
        #expect(reason.hasPrefix(decoded))
    }
}

/// Capability lists and the inbox status decode to what was encoded, and malformed values count as none.
@Suite struct CapabilityEncodingTests {
    @Test func capabilityListsRoundTripInHelloAndWelcome() {
        let hello = Hello(protocolVersion: 1, clientName: "t", extensions: [Hello.capabilitiesExtension([Capability.inbox, "later.2"])])
        #expect(hello.capabilities == [Capability.inbox, "later.2"])
        let welcome = Welcome(protocolVersion: 1, nodeID: "n", role: "bcp", country: "ke", maximumFrameSize: 1, maximumSubscriptions: 1,
                              replayWindowSeconds: 1, serverTimeMillis: 1, extensions: [Welcome.capabilitiesExtension([Capability.inbox])])
        #expect(welcome.capabilities == [Capability.inbox])
        #expect(Hello(protocolVersion: 1, clientName: "t").capabilities.isEmpty)
    }

    @Test func aMalformedCapabilityListCountsAsNone() {
        for value: [UInt8] in [[0], [0, 1], [0, 1, 0, 5, 0x61], [0, 0, 0xFF]] {
            let hello = Hello(protocolVersion: 1, clientName: "t", extensions: [WireExtension(tag: Capability.extensionTag, value: value)])
            #expect(hello.capabilities.isEmpty, "\(value)")
        }
    }

    @Test func inboxStatusRoundTripsAndRejectsTrailingBytes() {
        let status = InboxStatus(inbox: "notice.>", waiting: 7, expired: 2, why: "limits.inboxMaxAgeSeconds")
        #expect(SubscribeAck(subscriptionID: 1, extensions: [status.extensionEntry]).inboxStatus == status)
        #expect(InboxStatus(extensionValue: status.extensionEntry.value + [0]) == nil)
        #expect(SubscribeAck(subscriptionID: 1).inboxStatus == nil)
        #expect(SubscribeDurable(subscriptionID: 1, filter: "hit.ke").inboxName == "hit.ke")
    }
}
