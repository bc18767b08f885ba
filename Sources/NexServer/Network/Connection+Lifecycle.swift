import Logging
import NexAudit
import NexBroker
import NexCrypto
import NexWire

/// Handshake outcome, identity checks, refusals and the end of a connection (connection queue).
extension Connection {
    /// The TLS handshake succeeded (the CA verified the chain and validity): now the identity checks
    /// that OpenSSL does not make — clientAuth usage present, CN on the roster.
    func handshakeCompleted() {
        endPendingHandshake()
        guard let certificate = session.peerCertificate else {
            refuseAfterHandshake(.noCertificate, detail: "no client certificate after handshake", certificate: nil)
            return
        }
        guard let usage = certificate.extendedKeyUsage, usage.contains(.clientAuth) else {
            refuseAfterHandshake(.invalidPurpose,
                                 detail: "client certificate \(certificate.subjectDescription) lacks the clientAuth extended key usage",
                                 certificate: certificate)
            return
        }
        let settings = context.settings
        if settings.isRevoked(certificate) {
            // The TLS context checked the list it was made with; a reload since may have added this one.
            refuseAfterHandshake(.certificateRevoked,
                                 detail: "certificate \(certificate.subjectDescription) (serial \(certificate.serialNumberHex)) is revoked",
                                 certificate: certificate)
            return
        }
        guard let cn = certificate.subjectCommonName, let entry = settings.configuration.roster.entry(for: cn) else {
            refuseAfterHandshake(.notInRoster,
                                 detail: "certificate subject \(certificate.subjectDescription) is not on the roster",
                                 certificate: certificate)
            return
        }
        if let failure = context.audit.failure {
            // Fail closed: nothing may happen that the log cannot record.
            refuseAfterHandshake(.auditUnavailable, detail: "the audit log cannot be written (\(failure.code.rawValue)); nexd refuses new connections",
                                 certificate: certificate)
            return
        }
        if let detail = context.connectRate.refusal(for: entry.id) { refuseAfterHandshake(.connectRate, detail: detail, certificate: certificate); return }
        let perNode = context.limits.maximumConnectionsPerNode
        guard context.nodeConnections.admit(entry.id, limit: perNode) else {
            refuseAfterHandshake(.tooManyConnectionsForNode,
                                 detail: "\(entry.id) already has \(perNode) connections (limits.maxConnectionsPerNode)", certificate: certificate)
            return
        }
        let identity = NodeIdentity(id: entry.id, role: entry.role, country: entry.country, certificate: certificate, peer: peer,
                                    permissions: settings.permissions[entry.id] ?? .denyAll)
        self.identity = identity
        setNodeID(entry.id)
        logger[metadataKey: "peer.node"] = "\(entry.id)"
        state = .open
        var event = AuditEvent(.connect, timeMillis: WallClock.nowMillis(), outcome: .accepted)
        event.connection = id
        event.node = entry.id
        event.role = entry.role.rawValue
        event.country = entry.country
        event.peer = peer
        event.certificateFingerprint = certificate.fingerprint.hex
        event.detail = session.protocolVersion
        // Fail closed: a session whose connect record cannot be made durable does not go on.
        context.audit.append([event]) { [weak self] result in
            guard case .failure = result, let self else { return }
            self.queue.async { self.endUnrecordedSession() }
        }
        logger.notice("node connected", metadata: ["peer.cert": "\(certificate.fingerprint.hex.prefix(16))"])
        let broker = context.broker
        broker.queue.async { broker.register(self, identity: identity) }
        let limits = context.limits
        enqueue(.welcome(Welcome(
            protocolVersion: WireLimits.protocolVersion, nodeID: entry.id, role: entry.role.rawValue, country: entry.country,
            maximumFrameSize: UInt32(limits.maximumFrameSize),
            maximumSubscriptions: UInt16(clamping: limits.maximumSubscriptionsPerConnection),
            replayWindowSeconds: UInt32(limits.replayWindow.components.seconds),
            serverTimeMillis: UInt64(WallClock.nowMillis()),
            extensions: context.audit.latestCheckpoint.map { [WireExtension(tag: Welcome.checkpointTag, value: $0.encoded())] } ?? [])))
        flush()
    }

    /// The connect record of this session failed to reach the disk (the log failed meanwhile).
    private func endUnrecordedSession() {
        guard state == .open else { return }
        endReason = ("audit-unavailable", "the connect record could not be written; session ended")
        logger.warning("session ended: its connect record could not be written")
        enqueue(.error(code: .auditUnavailable, reason: "the audit log cannot be written; reconnect later"))
        closeAfterFlush()
    }

    /// Reasons a connection is refused (stable codes, in the audit record and the log).
    enum Refusal: String {
        case noCertificate = "no-certificate"
        case invalidPurpose = "invalid-purpose"
        case notInRoster = "not-in-roster"
        case auditUnavailable = "audit-unavailable"
        case tooManyConnectionsForNode = "too-many-connections-for-node"
        case connectRate = "connect-rate"
        case certificateRevoked = "certificate-revoked"
    }

    private func refuseAfterHandshake(_ refusal: Refusal, detail: String, certificate: Certificate?) {
        var event = AuditEvent(.connect, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.connection = id
        event.reason = refusal.rawValue
        event.detail = detail
        event.peer = peer
        event.node = certificate?.subjectCommonName
        event.certificateFingerprint = certificate?.fingerprint.hex
        // Counted past the per-source limit like refusals before identification: a node with a
        // valid certificate but no place on the roster could otherwise flood the log.
        context.recordRefusal(event, peer: peer) {
            logger.warning("connection refused", metadata: ["reason": "\(refusal.rawValue)", "detail": "\(LogSafe.text(detail))"])
        }
        let code: WireErrorCode = switch refusal {
        case .notInRoster: .notInRoster
        case .auditUnavailable: .auditUnavailable
        case .tooManyConnectionsForNode, .connectRate: .overloaded
        case .noCertificate, .invalidPurpose, .certificateRevoked: .permissionDenied
        }
        state = .open
        enqueue(.error(code: code, reason: detail))
        closeAfterFlush()
    }

    /// The peer closed the connection before the handshake ended (a port scan, or a client that
    /// gave up): recorded like any other refusal.
    func handshakeAbandoned() {
        var event = AuditEvent(.connect, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.connection = id
        event.reason = "closed-during-handshake"
        event.detail = "the peer closed the connection before the TLS handshake ended"
        event.peer = peer
        context.recordRefusal(event, peer: peer) { logger.info("peer closed during the TLS handshake") }
        close(reason: nil)
    }

    /// The TLS handshake failed: wrong CA, expired, no certificate, old protocol version…
    func handshakeFailed(_ error: TLSError) {
        var event = AuditEvent(.connect, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.connection = id
        event.reason = error.reason.rawValue
        event.detail = error.message
        event.peer = peer
        if let certificate = session.peerCertificate {
            event.node = certificate.subjectCommonName
            event.certificateFingerprint = certificate.fingerprint.hex
        }
        context.recordRefusal(event, peer: peer) {
            logger.warning("TLS handshake refused", metadata: ["reason": "\(error.reason.rawValue)", "detail": "\(LogSafe.text(error.message))"])
        }
        close(reason: nil)
    }

    /// The peer did not finish the handshake and send hello within `limits.handshakeTimeoutSeconds`.
    func handshakeTimedOut() {
        var event = AuditEvent(.connect, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.connection = id
        event.reason = "handshake-timeout"
        event.detail = "no TLS handshake and hello within \(context.limits.handshakeTimeout)"
        event.peer = peer
        event.node = identity?.id
        context.recordRefusal(event, peer: peer) { logger.warning("connection timed out before hello") }
        close(reason: "no TLS handshake and hello in time", code: "handshake-timeout")
    }

    /// A frame that cannot be decoded: error frame with the stable code, audit, then close.
    func protocolError(_ error: WireError) {
        var event = AuditEvent(.protocolError, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.connection = id
        event.node = identity?.id
        event.peer = peer
        event.reason = error.code.name
        // The decoder's reason may quote the peer's bytes: bounded like every refusal's detail.
        event.detail = RefusalBounds.bounded(error.reason)
        context.audit.append([event])
        logger.warning("protocol error; closing", metadata: ["reason": "\(error.code.name)", "detail": "\(LogSafe.text(error.reason))"])
        enqueue(.error(code: error.code, reason: error.reason))
        closeAfterFlush()
    }

    /// Bookkeeping once an accepted connection has closed. A slow consumer's record lists the
    /// message ids it missed.
    func connectionEnded(reason: String, code: String?) {
        if let identity {
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
        if unreceiptedStart < unreceipted.count {
            event.deliverySequence = unreceipted[unreceiptedStart].sequence
            event.detail = (event.detail ?? reason) + "; \(unreceipted.count - unreceiptedStart) deliveries not receipted from delivery \(unreceipted[unreceiptedStart].sequence)"
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
