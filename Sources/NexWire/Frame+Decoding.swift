extension Frame {
    /// Decodes one frame from its type byte and exact body bytes.
    ///
    /// - Throws: `WireError` with `.unknownFrameType` for an undefined type, `.malformedFrame` for
    ///   a short body, trailing bytes, bad UTF-8 or an undefined error code.
    static func decode(type rawType: UInt8, body: UnsafeRawBufferPointer) throws(WireError) -> Frame {
        guard let type = FrameType(rawValue: rawType) else {
            throw WireError(.unknownFrameType, "frame type 0x\(String(rawType, radix: 16)) is not defined in protocol version 1")
        }
        let frame: Frame
        switch type {
        case .hello:
            var r = WireReader(body, context: "hello")
            let version = try r.readU8("protocolVersion")
            let name = try r.readStr16("clientName")
            frame = .hello(Hello(protocolVersion: version, clientName: name, extensions: try r.readExtensions()))
            try r.expectEnd()
        case .welcome:
            var r = WireReader(body, context: "welcome")
            frame = .welcome(
                Welcome(
                    protocolVersion: try r.readU8("protocolVersion"),
                    nodeID: try r.readStr16("nodeID"),
                    role: try r.readStr16("role"),
                    country: try r.readStr16("country"),
                    maximumFrameSize: try r.readU32("maximumFrameSize"),
                    maximumSubscriptions: try r.readU16("maximumSubscriptions"),
                    replayWindowSeconds: try r.readU32("replayWindowSeconds"),
                    serverTimeMillis: try r.readU64("serverTimeMillis"),
                    extensions: try r.readExtensions()
                )
            )
            try r.expectEnd()
        case .publish:
            var r = WireReader(body, context: "publish")
            frame = .publish(envelope: try r.readBytes32("envelope"))
            try r.expectEnd()
        case .ack:
            var r = WireReader(body, context: "ack")
            frame = .ack(
                Ack(
                    messageID: try r.readMessageID("messageID"),
                    auditSequence: try r.readU64("auditSequence"),
                    flags: Ack.Flags(rawValue: try r.readU8("flags")),
                    extensions: try r.readExtensions()
                )
            )
            try r.expectEnd()
        case .nack:
            var r = WireReader(body, context: "nack")
            let id = try r.readMessageID("messageID")
            let code = try r.readCode()
            frame = .nack(Nack(messageID: id, code: code, reason: try r.readStr16("reason")))
            try r.expectEnd()
        case .subscribe:
            var r = WireReader(body, context: "subscribe")
            let id = try r.readU32("subscriptionID")
            frame = .subscribe(Subscribe(subscriptionID: id, filter: try r.readStr16("filter")))
            try r.expectEnd()
        case .suback:
            var r = WireReader(body, context: "suback")
            let id = try r.readU32("subscriptionID")
            frame = .suback(SubscribeAck(subscriptionID: id, extensions: try r.readExtensions()))
            try r.expectEnd()
        case .subnack:
            var r = WireReader(body, context: "subnack")
            let id = try r.readU32("subscriptionID")
            let code = try r.readCode()
            frame = .subnack(SubscribeNack(subscriptionID: id, code: code, reason: try r.readStr16("reason")))
            try r.expectEnd()
        case .unsubscribe:
            var r = WireReader(body, context: "unsubscribe")
            frame = .unsubscribe(subscriptionID: try r.readU32("subscriptionID"))
            try r.expectEnd()
        case .unsuback:
            var r = WireReader(body, context: "unsuback")
            frame = .unsuback(subscriptionID: try r.readU32("subscriptionID"))
            try r.expectEnd()
        case .subscribeDurable:
            var r = WireReader(body, context: "subscribeDurable")
            let id = try r.readU32("subscriptionID")
            let filter = try r.readStr16("filter")
            let inbox = try r.readStr16("inbox")
            frame = .subscribeDurable(SubscribeDurable(subscriptionID: id, filter: filter, inbox: inbox, extensions: try r.readExtensions()))
            try r.expectEnd()
        case .deliver:
            frame = .deliver(try decodeDeliver(body))
        case .receipt:
            var r = WireReader(body, context: "receipt")
            frame = .receipt(throughDeliverySequence: try r.readU64("throughDeliverySequence"))
            try r.expectEnd()
        case .certificateRequest:
            var r = WireReader(body, context: "certificateRequest")
            frame = .certificateRequest(fingerprint: try r.readFixed(WireLimits.fingerprintLength, "fingerprint"))
            try r.expectEnd()
        case .certificateResponse:
            var r = WireReader(body, context: "certificateResponse")
            let fingerprint = try r.readFixed(WireLimits.fingerprintLength, "fingerprint")
            frame = .certificateResponse(fingerprint: fingerprint, der: try r.readBytes32("der"))
            try r.expectEnd()
        case .checkpoint:
            var r = WireReader(body, context: "checkpoint")
            frame = .checkpoint(bytes: try r.readBytes32("checkpoint"))
            try r.expectEnd()
        case .ping:
            var r = WireReader(body, context: "ping")
            frame = .ping(nonce: try r.readU64("nonce"))
            try r.expectEnd()
        case .pong:
            var r = WireReader(body, context: "pong")
            frame = .pong(nonce: try r.readU64("nonce"))
            try r.expectEnd()
        case .error:
            var r = WireReader(body, context: "error")
            let code = try r.readCode()
            frame = .error(code: code, reason: try r.readStr16("reason"))
            try r.expectEnd()
        }
        return frame
    }

    private static func decodeDeliver(_ body: UnsafeRawBufferPointer) throws(WireError) -> Deliver {
        var r = WireReader(body, context: "deliver")
        let sequence = try r.readU64("deliverySequence")
        let count = Int(try r.readU16("subscriptionIDs"))
        var ids: [UInt32] = []
        ids.reserveCapacity(min(count, r.remaining / 4))
        for _ in 0..<count { ids.append(try r.readU32("subscriptionIDs")) }
        let deliver = Deliver(
            deliverySequence: sequence,
            subscriptionIDs: ids,
            originNode: try r.readStr16("originNode"),
            receivedAtMillis: try r.readU64("receivedAtMillis"),
            certificateFingerprint: try r.readFixed(WireLimits.fingerprintLength, "certificateFingerprint"),
            auditSequence: try r.readU64("auditSequence"),
            envelope: try r.readBytes32("envelope")
        )
        try r.expectEnd()
        return deliver
    }
}

extension WireReader {
    /// Reads a `u16` error code; codes outside version 1's table are a format error, since new
    /// codes only come with a new protocol version.
    mutating func readCode() throws(WireError) -> WireErrorCode {
        let raw = try readU16("code")
        guard let code = WireErrorCode(rawValue: raw) else {
            throw error("field \"code\" has undefined error code \(raw)")
        }
        return code
    }
}
