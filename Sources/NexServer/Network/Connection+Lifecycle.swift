import Logging
import NexAudit
import NexBroker
import NexCrypto
import NexWire

/// Handshake outcome, identity checks, refusals and the end of a connection (connection queue).
extension Connection {
    /// The TLS handshake succeeded (the CA verified the chain and validity): now the identity checks
    /// that OpenSSL does not make — clientAuth usage present, CN on the roster. Admits the node
    /// (its per-node connection count, ``identity``) when they pass.
    func checkIdentity() -> IdentityCheck {
        endPendingHandshake()
        guard let certificate = transport.session.peerCertificate else {
            return .refused(.noCertificate, detail: "no client certificate after handshake")
        }
        guard let usage = certificate.extendedKeyUsage, usage.contains(.clientAuth) else {
            return .refused(.invalidPurpose,
                            detail: "client certificate \(certificate.subjectDescription) lacks the clientAuth extended key usage")
        }
        let settings = context.settings
        guard let authority = transport.session.verifiedChainAnchor else {
            return .refused(.noCertificate, detail: "no verified certificate chain after handshake")
        }
        if settings.isRevoked(certificate, verifiedAgainst: authority) {
            // The TLS context checked the list it was made with; a reload since may have added this one.
            return .refused(.certificateRevoked,
                            detail: "certificate \(certificate.subjectDescription) (serial \(certificate.serialNumberHex)) is revoked")
        }
        guard let cn = certificate.subjectCommonName, let entry = settings.configuration.roster.entry(for: cn) else {
            return .refused(.notInRoster, detail: "certificate subject \(certificate.subjectDescription) is not on the roster")
        }
        if let failure = context.audit.failure {
            // Fail closed: nothing may happen that the log cannot record.
            return .refused(.auditUnavailable,
                            detail: "the audit log cannot be written (\(failure.code.rawValue)); nexd refuses new connections")
        }
        if let detail = context.connectRate.refusal(for: entry.id) { return .refused(.connectRate, detail: detail) }
        let perNode = context.limits.maxConnectionsPerNode
        guard context.nodeConnections.admit(entry.id, limit: perNode) else {
            return .refused(.tooManyConnectionsForNode,
                            detail: "\(entry.id) already has \(perNode) connections (limits.maxConnectionsPerNode)")
        }
        identity = NodeIdentity(id: entry.id, role: entry.role, country: entry.country, certificate: certificate, peer: peer, authority: authority)
        context.metrics.session(role: entry.role, opened: true)
        // The session's generation: the settings it was admitted by (a reload since re-evaluates it).
        self.settings = settings
        return .accepted
    }

    /// The node passed the identity checks: its connect record, the broker's registration, welcome.
    func admitIdentifiedNode() {
        guard let identity else { return }
        let certificate = identity.certificate
        logger[metadataKey: "peer.node"] = "\(identity.id)"
        var event = AuditEvent(.connect, timeMillis: WallClock.nowMillis(), outcome: .accepted)
        event.connection = id
        event.node = identity.id
        event.role = identity.role.rawValue
        event.country = identity.country
        event.peer = peer
        event.certificateFingerprint = certificate.fingerprint.hex
        event.detail = transport.session.protocolVersion
        // Fail closed: a session whose connect record cannot be made durable does not go on.
        context.audit.append([event]) { [weak self] result in
            guard case .failure = result, let self else { return }
            self.queue.async { self.endUnrecordedSession() }
        }
        logger.notice("node connected", metadata: ["peer.cert": "\(certificate.fingerprint.hex.prefix(16))"])
        let broker = context.broker
        let connectionID = id
        broker.queue.async {
            // Judged again by the broker's settings: a reload since the check above ends it here.
            if let ending = broker.register(connectionID, identity: identity) { self.reevaluate(under: ending) }
        }
        enqueue(.welcome(Welcome(
            protocolVersion: WireLimits.protocolVersion, nodeID: identity.id, role: identity.role.rawValue, country: identity.country,
            maximumFrameSize: UInt32(decoder.maximumFrameSize),   // what this connection enforces (fixed at accept)
            maximumSubscriptions: UInt16(clamping: limits.maxSubscriptionsPerConnection),
            replayWindowSeconds: UInt32(limits.replayWindow.components.seconds),
            serverTimeMillis: UInt64(WallClock.nowMillis()),
            extensions: (context.audit.latestCheckpoint.map { [WireExtension(tag: Welcome.checkpointTag, value: $0.encoded())] } ?? [])
                + [Welcome.capabilitiesExtension(SessionMachine.serverCapabilityList.filter(session.offeredCapabilities.contains))])))
        flush()
    }

    /// The connect record of this session failed to reach the disk (the log failed meanwhile).
    private func endUnrecordedSession() {
        guard session.isEstablished else { return }
        logger.warning("session ended: its connect record could not be written")
        perform(session.end(SessionEnding(code: "audit-unavailable", detail: "the connect record could not be written; session ended",
                                       errorCode: .auditUnavailable, errorReason: "the audit log cannot be written; reconnect later")))
    }

    /// Records a peer refused after the handshake. Counted past the per-source limit like
    /// refusals before identification: a node with a valid certificate but no place on the roster
    /// could otherwise flood the log.
    func recordRefusal(_ refusal: SessionRefusal, detail: String) {
        let certificate = transport.session.peerCertificate
        var event = AuditEvent(.connect, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.connection = id
        event.reason = refusal.rawValue
        event.detail = detail
        event.peer = peer
        event.node = certificate?.subjectCommonName
        event.certificateFingerprint = certificate?.fingerprint.hex
        context.recordRefusal(event, peer: peer) {
            logger.warning("connection refused", metadata: ["reason": "\(refusal.rawValue)", "detail": "\(LogSafe.text(detail))"])
        }
    }

    /// Records a session that ended before its node was identified and said hello, like any
    /// other refusal: the peer gave up (a port scan), TLS failed (wrong CA, expired, no
    /// certificate, old protocol version…), time ran out, or a newer connection evicted it.
    func recordHandshakeEnd(_ end: HandshakeEnd) {
        var event = AuditEvent(.connect, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.connection = id
        event.peer = peer
        switch end {
        case .abandoned:
            event.reason = "closed-during-handshake"
            event.detail = "the peer closed the connection before the TLS handshake ended"
            context.recordRefusal(event, peer: peer) { logger.info("peer closed during the TLS handshake") }
        case .failed(let error):
            event.reason = error.reason.rawValue
            event.detail = error.message
            if let certificate = transport.session.peerCertificate {
                event.node = certificate.subjectCommonName
                event.certificateFingerprint = certificate.fingerprint.hex
            }
            context.recordRefusal(event, peer: peer) {
                logger.warning("TLS handshake refused", metadata: ["reason": "\(error.reason.rawValue)", "detail": "\(LogSafe.text(error.message))"])
            }
        case .timedOut:
            event.reason = "handshake-timeout"
            event.detail = "no TLS handshake and hello within \(context.limits.handshakeTimeout)"
            event.node = identity?.id
            context.recordRefusal(event, peer: peer) { logger.warning("connection timed out before hello") }
        case .evicted:
            event.reason = "handshake-evicted"
            event.detail = "the oldest of limits.maxPendingHandshakes (\(context.limits.maxPendingHandshakes)) "
                + "pending handshakes, evicted to admit a new connection"
            context.recordRefusal(event, peer: peer) { logger.info("pending handshake evicted to admit a new connection") }
        }
    }

    /// A frame that cannot be decoded or breaks the protocol: audited and logged (the machine
    /// sends the error frame with the stable code and closes).
    func recordProtocolError(_ error: WireError) {
        var event = AuditEvent(.protocolError, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.connection = id
        event.node = identity?.id
        event.peer = peer
        event.reason = error.code.name
        // The decoder's reason may quote the peer's bytes: bounded like every refusal's detail.
        event.detail = RefusalBounds.bounded(error.reason)
        context.audit.append([event])
        logger.warning("protocol error; closing", metadata: ["reason": "\(error.code.name)", "detail": "\(LogSafe.text(error.reason))"])
    }

    /// Bookkeeping once an accepted connection has closed. A slow consumer's record lists the
    /// message ids it missed.
    func connectionEnded(reason: String, code: String?, endReason: (code: String, detail: String)?) {
        if let identity {
            context.metrics.session(role: identity.role, opened: false)
            context.nodeConnections.release(identity.id)
            context.nodeSubscriptions.release(identity.id, amount: subscriptions.count)
            subscriptions.removeAll()
        }
        var event = AuditEvent(.disconnect, timeMillis: WallClock.nowMillis())
        event.connection = id
        event.node = identity?.id
        event.peer = peer
        event.reason = code
        event.detail = reason
        if let endReason {
            event.reason = endReason.code
            event.detail = endReason.detail
        }
        if let first = deliveries.firstUnreceipted {
            event.deliverySequence = first.sequence
            event.detail = (event.detail ?? reason) + "; \(deliveries.unreceiptedCount) deliveries not receipted from delivery \(first.sequence)"
        }
        if code == SlowConsumerReason.disconnected {
            let missed = missedDeliveries()
            missed.describe(into: &event)
            event.detail = (event.detail ?? reason) + "; \(missed.summary)"
        }
        context.audit.append([event])
        logger.notice("node disconnected", metadata: ["reason": "\(LogSafe.text(endReason?.code ?? code ?? reason))"])
        let broker = context.broker
        let connectionID = id
        broker.queue.async { broker.unregister(connectionID) }
    }
}
