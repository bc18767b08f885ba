/// Encodes frames into their wire bytes.
///
/// Preconditions (programmer errors, not peer input): identity strings fit a `str16`, fingerprints
/// are exactly 32 bytes, and an encoded frame's length fits a `u32`. Reason strings are truncated
/// rather than trapping, because they may quote peer input.
public struct FrameEncoder {
    /// The wire bytes of one frame.
    public static func encode(_ frame: Frame) -> [UInt8] {
        var buffer: [UInt8] = []
        encode(frame, into: &buffer)
        return buffer
    }

    /// Appends the wire bytes of one frame to `buffer`, so many frames can share one write buffer.
    public static func encode(_ frame: Frame, into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.writeU32(0)  // Length placeholder, patched once the body is written.
        buffer.writeU8(frame.type.rawValue)
        writeBody(frame, into: &buffer)
        let length = buffer.count - start - 4
        precondition(length <= Int(UInt32.max), "frame longer than 2^32-1 bytes")
        let prefix = UInt32(length)
        buffer[start] = UInt8(truncatingIfNeeded: prefix >> 24)
        buffer[start + 1] = UInt8(truncatingIfNeeded: prefix >> 16)
        buffer[start + 2] = UInt8(truncatingIfNeeded: prefix >> 8)
        buffer[start + 3] = UInt8(truncatingIfNeeded: prefix)
    }

    private static func writeBody(_ frame: Frame, into out: inout [UInt8]) {
        switch frame {
        case .hello(let hello):
            out.writeU8(hello.protocolVersion)
            out.writeStr16(hello.clientName)
            out.writeExtensions(hello.extensions)
        case .welcome(let welcome):
            out.writeU8(welcome.protocolVersion)
            out.writeStr16(welcome.nodeID)
            out.writeStr16(welcome.role)
            out.writeStr16(welcome.country)
            out.writeU32(welcome.maximumFrameSize)
            out.writeU16(welcome.maximumSubscriptions)
            out.writeU32(welcome.replayWindowSeconds)
            out.writeU64(welcome.serverTimeMillis)
            out.writeExtensions(welcome.extensions)
        case .publish(let envelope):
            out.writeBytes32(envelope)
        case .ack(let ack):
            out.writeMessageID(ack.messageID)
            out.writeU64(ack.auditSequence)
            out.writeU8(ack.flags.rawValue)
            out.writeExtensions(ack.extensions)
        case .nack(let nack):
            out.writeMessageID(nack.messageID)
            out.writeU16(nack.code.rawValue)
            out.writeReason(nack.reason)
        case .subscribe(let subscribe):
            out.writeU32(subscribe.subscriptionID)
            out.writeStr16(subscribe.filter)
        case .suback(let suback):
            out.writeU32(suback.subscriptionID)
            out.writeExtensions(suback.extensions)
        case .subnack(let subnack):
            out.writeU32(subnack.subscriptionID)
            out.writeU16(subnack.code.rawValue)
            out.writeReason(subnack.reason)
        case .unsubscribe(let id), .unsuback(let id):
            out.writeU32(id)
        case .subscribeDurable(let subscribe):
            out.writeU32(subscribe.subscriptionID)
            out.writeStr16(subscribe.filter)
            out.writeStr16(subscribe.inbox)
            out.writeExtensions(subscribe.extensions)
        case .deliver(let deliver):
            out.writeU64(deliver.deliverySequence)
            precondition(deliver.subscriptionIDs.count <= Int(UInt16.max), "too many subscription ids")
            out.writeU16(UInt16(deliver.subscriptionIDs.count))
            for id in deliver.subscriptionIDs { out.writeU32(id) }
            out.writeStr16(deliver.originNode)
            out.writeU64(deliver.receivedAtMillis)
            out.writeFixed(deliver.certificateFingerprint, count: WireLimits.fingerprintLength)
            out.writeU64(deliver.auditSequence)
            out.writeBytes32(deliver.envelope)
        case .receipt(let sequence):
            out.writeU64(sequence)
        case .certificateRequest(let fingerprint):
            out.writeFixed(fingerprint, count: WireLimits.fingerprintLength)
        case .certificateResponse(let fingerprint, let der):
            out.writeFixed(fingerprint, count: WireLimits.fingerprintLength)
            out.writeBytes32(der)
        case .checkpoint(let bytes):
            out.writeBytes32(bytes)
        case .ping(let nonce), .pong(let nonce):
            out.writeU64(nonce)
        case .error(let code, let reason):
            out.writeU16(code.rawValue)
            out.writeReason(reason)
        }
    }
}
