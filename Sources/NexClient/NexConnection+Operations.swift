import NexCrypto
import NexWire

/// The answer to a publish.
public enum PublishOutcome: Sendable, Equatable {
    case accepted(Ack)
    case refused(Nack)
}

/// The answer to a subscribe.
public enum SubscribeOutcome: Sendable, Equatable {
    case accepted
    case refused(SubscribeNack)
}

/// What nexd answered to a durable subscribe.
public enum DurableSubscribeOutcome: Sendable, Equatable {
    /// Attached: the inbox's status (what waited and is delivered next; what was dropped).
    case accepted(InboxStatus)
    case refused(SubscribeNack)
}

extension NexConnection {
    /// Publishes a signed envelope and waits for its ACK or NACK.
    public func publish(_ signed: SignedEnvelope, timeout: Duration = .seconds(10)) throws(ClientError) -> PublishOutcome {
        try send(.publish(envelope: signed.wireBytes))
        let id = signed.envelope.messageID
        return try awaitFrame(timeout: timeout) { frame -> PublishOutcome? in
            switch frame {
            case .ack(let ack) where ack.messageID == id: return .accepted(ack)
            case .nack(let nack) where nack.messageID == id || nack.messageID == .zero: return .refused(nack)
            default: return nil
            }
        }
    }

    /// Subscribes and waits for the suback or subnack.
    public func subscribe(_ filter: String, id: UInt32, timeout: Duration = .seconds(10)) throws(ClientError) -> SubscribeOutcome {
        try send(.subscribe(Subscribe(subscriptionID: id, filter: filter)))
        return try awaitFrame(timeout: timeout) { frame -> SubscribeOutcome? in
            switch frame {
            case .suback(let ack) where ack.subscriptionID == id: return .accepted
            case .subnack(let nack) where nack.subscriptionID == id: return .refused(nack)
            default: return nil
            }
        }
    }

    /// Subscribes durably to inbox `inbox` of this node (empty: the default, named after the
    /// filter): nexd keeps matching notices while the node is away and, on this SUBACK, delivers
    /// what waited, oldest first, before new traffic (capability `inbox.1`; the connection must
    /// have been opened with it, and nexd must offer it).
    /// - Throws: ``ClientError`` `.protocolError` when the capability is not in effect.
    public func subscribeDurable(_ filter: String, id: UInt32, inbox: String = "",
                                 timeout: Duration = .seconds(10)) throws(ClientError) -> DurableSubscribeOutcome {
        guard capabilities.contains(Capability.inbox) else {
            throw ClientError(.protocolError, "durable subscriptions need the capability \(Capability.inbox): "
                              + (welcome.capabilities.contains(Capability.inbox) ? "this connection did not ask for it" : "this nexd does not offer it"))
        }
        try send(.subscribeDurable(SubscribeDurable(subscriptionID: id, filter: filter, inbox: inbox)))
        return try awaitFrame(timeout: timeout) { frame -> DurableSubscribeOutcome? in
            switch frame {
            case .suback(let ack) where ack.subscriptionID == id:
                return .accepted(ack.inboxStatus ?? InboxStatus(inbox: inbox.isEmpty ? filter : inbox, waiting: 0, expired: 0, why: ""))
            case .subnack(let nack) where nack.subscriptionID == id: return .refused(nack)
            default: return nil
            }
        }
    }

    /// The next delivery (other frames are kept).
    public func nextDelivery(timeout: Duration) throws(ClientError) -> Deliver {
        try awaitFrame(timeout: timeout) { frame -> Deliver? in
            if case .deliver(let deliver) = frame { return deliver }
            return nil
        }
    }

    /// Confirms receipt of every delivery up to `sequence` (cumulative).
    public func sendReceipt(through sequence: UInt64) throws(ClientError) {
        try send(.receipt(throughDeliverySequence: sequence))
    }

    /// Fetches a certificate by fingerprint: this node's own, or the originator's of a notice delivered
    /// on this connection. Nil when nexd does not know it or will not give it to this node (any other).
    public func fetchCertificate(fingerprint: [UInt8], timeout: Duration = .seconds(10)) throws(ClientError) -> Certificate? {
        try send(.certificateRequest(fingerprint: fingerprint))
        let der = try awaitFrame(timeout: timeout) { frame -> [UInt8]? in
            if case .certificateResponse(let fp, let der) = frame, fp == fingerprint { return der }
            return nil
        }
        guard !der.isEmpty, let certificate = try? Certificate(der: der), certificate.fingerprint.bytes == fingerprint else {
            return nil
        }
        return certificate
    }
}
