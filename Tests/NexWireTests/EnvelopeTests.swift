import Testing
@testable import NexWire

@Suite struct EnvelopeTests {
    @Test func signingDomainIsExact() {
        #expect(Envelope.signingDomain.count == 21)
        #expect(Envelope.signingDomain == Array("NoticeExchange\u{0}v1\u{0}env".utf8))
    }

    @Test func roundTripKeepsFieldsAndExactBody() throws {
        let signed = Fixtures.signedEnvelope
        let parsed = try SignedEnvelope(parsing: signed.wireBytes)
        #expect(parsed == signed)
        #expect(parsed.envelope == Fixtures.envelope)
        #expect(parsed.body == Fixtures.envelope.encodedBody())
        #expect(parsed.signature == signed.signature)
        #expect(parsed.wireBytes == signed.wireBytes)
    }

    @Test func bytesToSignIsDomainThenBody() throws {
        let parsed = try SignedEnvelope(parsing: Fixtures.signedEnvelope.wireBytes)
        #expect(parsed.bytesToSign == Envelope.signingDomain + parsed.body)
        #expect(Fixtures.envelope.bytesToSign() == Envelope.signingDomain + Fixtures.envelope.encodedBody())
    }

    @Test func knownAnswerBody() {
        let envelope = Envelope(
            messageID: MessageID(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10),
            sender: "a", topic: "t", kind: "red", issuedAtMillis: -1,
            allowedCountries: ["fr"], signatureAlgorithm: 2, payload: [0xAA]
        )
        let expected: [UInt8] = [1] + Array(1...16) + [0, 1, 0x61] + [0, 1, 0x74] + [0, 3, 0x72, 0x65, 0x64]
            + [UInt8](repeating: 0xFF, count: 8) + [0, 1, 0, 2, 0x66, 0x72] + [0, 0] + [0, 0] + [0, 0]
            + [2] + [0, 0, 0, 1, 0xAA]
        #expect(envelope.encodedBody() == expected)
    }

    @Test func bodyIsKeptVerbatimNotReencoded() throws {
        // Parsing then re-encoding must reproduce the signed bytes; and the parsed body is a copy
        // of the input range, not a re-serialisation.
        let wire = Fixtures.signedEnvelope.wireBytes
        let parsed = try SignedEnvelope(parsing: wire[...])
        #expect(parsed.body == Array(wire[..<parsed.body.count]))
        #expect(parsed.envelope.encodedBody() == parsed.body)
    }

    @Test func trailingBytesAfterSignature() {
        let wire = Fixtures.signedEnvelope.wireBytes + [0]
        #expect(throws: WireError(.malformedEnvelope, "envelope: 1 trailing bytes after the last field")) {
            try SignedEnvelope(parsing: wire)
        }
    }

    @Test func everyTruncationIsMalformed() {
        let wire = Fixtures.signedEnvelope.wireBytes
        for cut in 0..<wire.count {
            let error = #expect(throws: WireError.self) { try SignedEnvelope(parsing: wire[..<cut]) }
            #expect(error?.code == .malformedEnvelope)
        }
    }

    @Test func unsupportedVersion() {
        var wire = Fixtures.signedEnvelope.wireBytes
        wire[0] = 2
        let error = #expect(throws: WireError.self) { try SignedEnvelope(parsing: wire) }
        #expect(error?.code == .unsupportedVersion)
    }

    @Test func payloadTooLarge() {
        var envelope = Fixtures.envelope
        envelope.payload = [UInt8](repeating: 0x20, count: WireLimits.maximumPayloadSize + 1)
        let wire = SignedEnvelope(envelope: envelope, signature: []).wireBytes
        let error = #expect(throws: WireError.self) { try SignedEnvelope(parsing: wire) }
        #expect(error?.code == .payloadTooLarge)
    }

    @Test func topicTooLong() {
        var envelope = Fixtures.envelope
        envelope.topic = String(repeating: "a", count: WireLimits.maximumTopicLength + 1)
        let wire = SignedEnvelope(envelope: envelope, signature: []).wireBytes
        let error = #expect(throws: WireError.self) { try SignedEnvelope(parsing: wire) }
        #expect(error?.code == .invalidTopic)
    }

    @Test func tooManyRestrictionEntries() {
        var envelope = Fixtures.envelope
        envelope.deniedNodes = Array(repeating: "n", count: WireLimits.maximumRestrictionEntries + 1)
        let wire = SignedEnvelope(envelope: envelope, signature: []).wireBytes
        let error = #expect(throws: WireError.self) { try SignedEnvelope(parsing: wire) }
        #expect(error?.code == .malformedEnvelope)
        #expect(error?.reason.contains("deniedNodes") == true)
    }

    @Test func badUTF8InSender() throws {
        var envelope = Fixtures.envelope
        envelope.sender = "ab"
        var wire = SignedEnvelope(envelope: envelope, signature: []).wireBytes
        wire[1 + 16 + 2] = 0xFF
        let error = #expect(throws: WireError.self) { try SignedEnvelope(parsing: wire) }
        #expect(error?.reason == "envelope: field \"sender\" is not valid UTF-8")
    }
}
