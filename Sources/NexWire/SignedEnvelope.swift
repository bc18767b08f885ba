/// An envelope with its signature and the exact body bytes the signature covers.
///
/// Wire form: `body ‖ u16 signatureLength ‖ signature`. When parsed, `body` is the exact byte
/// range read from the wire; verification uses it, never a re-encoding of `envelope`.
/// Parsing checks structure and limits only: the signature, sender, topic and kind are checked
/// by the server's pipeline.
public struct SignedEnvelope: Sendable, Equatable {
    /// The decoded fields.
    public let envelope: Envelope
    /// The exact body bytes (parsed, or encoded from `envelope`).
    public let body: [UInt8]
    /// The signature over `Envelope.signingDomain ‖ body`.
    public let signature: [UInt8]

    /// Encodes `envelope`'s body and pairs it with a signature made over `envelope.bytesToSign()`.
    public init(envelope: Envelope, signature: [UInt8]) {
        precondition(signature.count <= Int(UInt16.max), "signature longer than 65535 bytes")
        self.envelope = envelope
        self.body = envelope.encodedBody()
        self.signature = signature
    }

    /// Parses envelope wire bytes.
    ///
    /// - Throws: `WireError` with `.malformedEnvelope` for a format error (short, trailing bytes,
    ///   bad UTF-8, too many restriction entries), `.unsupportedVersion` for an envelope version
    ///   other than 1, `.invalidTopic` for a topic over `WireLimits.maximumTopicLength` bytes,
    ///   `.payloadTooLarge` for a payload over `WireLimits.maximumPayloadSize`.
    public init(parsing bytes: [UInt8]) throws(WireError) {
        let result = bytes.withUnsafeBytes { raw -> Result<(Envelope, Int, [UInt8]), WireError> in
            do throws(WireError) {
                return .success(try SignedEnvelope.parse(raw))
            } catch {
                return .failure(error)
            }
        }
        let (envelope, bodyEnd, signature) = try result.get()
        self.envelope = envelope
        self.body = Array(bytes[..<bodyEnd])
        self.signature = signature
    }

    /// Parses envelope wire bytes from any collection (e.g. an `ArraySlice`); see `init(parsing:)`.
    ///
    /// - Throws: `WireError`, as the `[UInt8]` form.
    @inlinable
    public init(parsing wireBytes: some Collection<UInt8>) throws(WireError) {
        try self.init(parsing: Array(wireBytes))
    }

    /// The wire bytes: `body ‖ u16 signatureLength ‖ signature`.
    public var wireBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 2 + signature.count)
        out.append(contentsOf: body)
        out.writeBytes16(signature)
        return out
    }

    /// The bytes the signature covers: `Envelope.signingDomain ‖ body`.
    public var bytesToSign: [UInt8] {
        Envelope.signingDomain + body
    }

    private static func parse(
        _ raw: UnsafeRawBufferPointer
    ) throws(WireError) -> (Envelope, Int, [UInt8]) {
        var reader = WireReader(raw, context: "envelope", code: .malformedEnvelope)
        let version = try reader.readU8("version")
        guard version == Envelope.currentVersion else {
            throw WireError(.unsupportedVersion, "envelope: version \(version) is not supported (expected 1)")
        }
        let messageID = try reader.readMessageID("messageID")
        let sender = try reader.readStr16("sender")
        let topic = try reader.readStr16("topic")
        guard topic.utf8.count <= WireLimits.maximumTopicLength else {
            throw WireError(
                .invalidTopic,
                "envelope: topic is \(topic.utf8.count) bytes, more than the limit of \(WireLimits.maximumTopicLength)"
            )
        }
        let kind = try reader.readStr16("kind")
        let issuedAt = Int64(bitPattern: try reader.readU64("issuedAtMillis"))
        let limit = WireLimits.maximumRestrictionEntries
        let allowedCountries = try reader.readStringList("allowedCountries", maximumCount: limit)
        let deniedCountries = try reader.readStringList("deniedCountries", maximumCount: limit)
        let allowedNodes = try reader.readStringList("allowedNodes", maximumCount: limit)
        let deniedNodes = try reader.readStringList("deniedNodes", maximumCount: limit)
        let algorithm = try reader.readU8("signatureAlgorithm")
        let payloadLength = Int(try reader.readU32("payload"))
        guard payloadLength <= WireLimits.maximumPayloadSize else {
            throw WireError(
                .payloadTooLarge,
                "envelope: payload is \(payloadLength) bytes, more than the limit of \(WireLimits.maximumPayloadSize)"
            )
        }
        let payload = try reader.readFixed(payloadLength, "payload")
        let bodyEnd = reader.index
        let signature = try reader.readBytes16("signature")
        try reader.expectEnd()
        let envelope = Envelope(
            version: version, messageID: messageID, sender: sender, topic: topic, kind: kind,
            issuedAtMillis: issuedAt, allowedCountries: allowedCountries,
            deniedCountries: deniedCountries, allowedNodes: allowedNodes, deniedNodes: deniedNodes,
            signatureAlgorithm: algorithm, payload: payload
        )
        return (envelope, bodyEnd, signature)
    }
}
