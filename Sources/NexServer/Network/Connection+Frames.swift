import Dispatch
import NexAudit
import NexBroker
import NexConfig
import NexCrypto
import NexNotices
import NexWire

/// What an open connection does with each frame from its node (connection queue).
extension Connection {
    func handle(_ frame: Frame) {
        guard hasReceivedHello else {
            if case .hello(let hello) = frame {
                guard hello.protocolVersion == WireLimits.protocolVersion else {
                    protocolError(WireError(.unsupportedVersion, "protocol version \(hello.protocolVersion) is not supported; this nexd speaks version \(WireLimits.protocolVersion)"))
                    return
                }
                hasReceivedHello = true
                acceptsCheckpoints = hello.acceptsCheckpoints
            } else {
                protocolError(WireError(.protocolViolation, "the first frame must be hello"))
            }
            return
        }
        if frame.isControlFrame || isIdleFrame(frame), !admitControlFrame(frame) { return }
        switch frame {
        case .publish(let envelope):
            handlePublish(envelope)
        case .subscribe(let subscribe):
            handleSubscribe(subscribe)
        case .unsubscribe(let subscriptionID):
            handleUnsubscribe(subscriptionID)
        case .receipt(let through):
            guard through < nextDeliverySequence else {
                protocolError(WireError(.protocolViolation, "receipt for delivery \(through) but only \(nextDeliverySequence - 1) were sent"))
                return
            }
            recordReceipts(upTo: through)
        case .certificateRequest(let fingerprint):
            handleCertificateRequest(fingerprint)
        case .ping(let nonce):
            enqueue(.pong(nonce: nonce))
        case .hello:
            protocolError(WireError(.protocolViolation, "hello was already received"))
        case .pong:
            break
        case .welcome, .ack, .nack, .suback, .subnack, .unsuback, .deliver, .certificateResponse, .error, .checkpoint:
            protocolError(WireError(.protocolViolation, "\(frame.type) frames are sent by nexd, not to it"))
        }
    }

    // MARK: - Publish

    private func handlePublish(_ bytes: [UInt8]) {
        guard let identity else { return }
        publishTaken()   // every publish is answered exactly once, by an ACK or a NACK
        let ticket = sequencer.takeTicket()
        let now = WallClock.nowMillis()
        let broker = context.broker
        let sequencer = self.sequencer
        @Sendable func finish(_ candidate: PublishCandidate) {
            let resume = sequencer.complete(ticket, with: candidate) { ready in
                broker.queue.async { for candidate in ready { broker.handle(candidate) } }
            }
            if resume { candidate.connection.resumeReading() }
        }
        // Backpressure: a peer may not queue more than the limit for verification; reading pauses
        // until half of them are through.
        let limit = UInt64(context.limits.maximumInFlightPublishes)
        if sequencer.inFlight >= limit, sequencer.requestResume(below: max(1, limit / 2)) {
            pauseReading()
        }
        func refuse(_ envelope: SignedEnvelope?, _ code: WireErrorCode, _ reason: String) {
            finish(PublishCandidate(connection: self, identity: identity, envelope: envelope, receivedAtMillis: now,
                                    outcome: .refused(WireError(code, reason))))
        }
        guard context.publishRate.admit(identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds) else {
            refuse(try? SignedEnvelope(parsing: bytes), .overloaded,
                   "\(identity.id) is over its publish rate (limits.publishRatePerNode \(context.limits.publishRatePerNode)/s); retry later")
            return
        }
        let signed: SignedEnvelope
        do {
            signed = try SignedEnvelope(parsing: bytes)
        } catch {
            // Keep the parser's code (payload-too-large, unsupported-version, …); anything else
            // about the structure is malformed-envelope.
            refuse(nil, error.code, "envelope cannot be parsed: \(error.reason)")
            return
        }
        let envelope = signed.envelope
        // The all-zero id is what a NACK names when it cannot name the envelope: a notice carrying
        // it could never be told apart from an unparseable one in the NACK, so it is refused here
        // (not in the parser, which must still read envelopes already in the audit log).
        guard envelope.messageID != .zero else {
            refuse(signed, .malformedEnvelope,
                   "message id \(MessageID.zero) is reserved (the id of a nack for an envelope that cannot be parsed); use a UUIDv7 or 16 random bytes")
            return
        }
        guard envelope.sender == identity.id else {
            refuse(signed, .senderMismatch, "envelope sender \"\(envelope.sender)\" is not this connection's identity \"\(identity.id)\"")
            return
        }
        let topic: Topic
        do {
            topic = try Topic(validating: envelope.topic)
        } catch {
            refuse(signed, .invalidTopic, error.reason)
            return
        }
        if case .denied(let reason) = identity.permissions.allowsPublish(to: topic) {
            refuse(signed, .permissionDenied, "\(identity.id) (\(identity.role.rawValue)): \(reason)")
            return
        }
        guard let kind = NoticeKind(rawValue: envelope.kind) else {
            refuse(signed, .unknownKind, "notice kind \"\(envelope.kind)\" is unknown; use one of \(NoticeKind.allCases.map(\.rawValue).joined(separator: ", "))")
            return
        }
        if let violation = TopicConventions.violation(kind: kind, topic: topic, allowedCountries: envelope.allowedCountries,
                                                      allowedNodes: envelope.allowedNodes) {
            refuse(signed, .invalidNotice, violation)
            return
        }
        if let problem = Self.restrictionProblem(envelope) {
            refuse(signed, .invalidNotice, problem)
            return
        }
        // Fast-path schema check (~1–3 µs per KiB): refused before any signature is verified.
        if let violation = NoticeValidator.validate(envelope.payload, as: kind, sentBy: identity.id) {
            refuse(signed, .invalidNotice, violation.description)
            return
        }
        let publicKey = identity.certificate.publicKey
        guard let algorithm = SignatureAlgorithm(rawValue: envelope.signatureAlgorithm), algorithm == publicKey.algorithm else {
            refuse(signed, .unsupportedAlgorithm,
                   "signature algorithm \(envelope.signatureAlgorithm) does not match the certificate's \(publicKey.algorithm.name) key")
            return
        }
        let windowMillis = context.limits.replayWindow.components.seconds * 1000
        // The issued-at is peer data: compare without arithmetic that could overflow and trap.
        let (skew, overflow) = envelope.issuedAtMillis.subtractingReportingOverflow(now)
        guard !overflow, skew.magnitude <= UInt64(windowMillis) else {
            refuse(signed, .outsideReplayWindow,
                   "issued-at \(Timestamp.format(millis: envelope.issuedAtMillis)) is more than \(windowMillis / 1000) s from nexd's clock \(Timestamp.format(millis: now))")
            return
        }
        // A node whose signatures keep failing has spent its budget: refused unverified, here and
        // (for publishes already queued) again just before the check, so the bound holds.
        let failures = context.failedVerifications
        let spentBudget = WireError(.overloaded,
            "\(identity.id) has failed too many signature checks (limits.failedVerificationsPerSecondPerNode \(context.limits.failedVerificationsPerSecondPerNode)/s, burst \(context.limits.failedVerificationsBurstPerNode)); its publishes are refused unverified until the budget refills")
        guard failures.allowsVerification(of: identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds) else {
            refuse(signed, spentBudget.code, spentBudget.reason)
            return
        }
        pendingVerifications.append {
            guard failures.allowsVerification(of: identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds) else {
                finish(PublishCandidate(connection: self, identity: identity, envelope: signed, topic: topic, wireBytes: bytes,
                                        receivedAtMillis: now, outcome: .refused(spentBudget)))
                return
            }
            // One pass over domain ‖ body gives the digest the replay cache needs; ECDSA verifies
            // that digest directly, so the message is hashed once (Ed25519 signs the message).
            let hasher = SHA256Hasher()
            hasher.update(Envelope.signingDomain)
            hasher.update(signed.body)
            let digest = hasher.finalize()
            let isValid = publicKey.algorithm == .ecdsaP256SHA256
                ? publicKey.isValidSignature(signed.signature, forSHA256Digest: digest)
                : publicKey.isValidSignature(signed.signature, for: signed.bytesToSign)
            let outcome: PublishCandidate.Outcome
            if isValid {
                outcome = .verified(signedDigest: digest)
            } else {
                failures.chargeFailure(of: identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds)
                outcome = .refused(WireError(.badSignature, "signature does not verify with the certificate of \(identity.id)"))
            }
            finish(PublishCandidate(connection: self, identity: identity, envelope: signed, topic: topic, wireBytes: bytes,
                                    receivedAtMillis: now, outcome: outcome))
        }
    }

    /// Restriction entries must be well-formed (lowercase ISO countries, node ids): a deny entry
    /// that could never match (`TZ`) would silently deny nothing.
    static func restrictionProblem(_ envelope: Envelope) -> String? {
        for (list, name) in [(envelope.allowedCountries, "allowed countries"), (envelope.deniedCountries, "denied countries")] {
            if let bad = list.first(where: { !RosterEntry.isValidCountry($0) }) {
                return "\(name): \"\(LogSafe.text(bad, limit: 40))\" is not a lowercase ISO 3166 alpha-2 code"
            }
        }
        for (list, name) in [(envelope.allowedNodes, "allowed nodes"), (envelope.deniedNodes, "denied nodes")] {
            if let bad = list.first(where: { !RosterEntry.isValidID($0) }) {
                return "\(name): \"\(LogSafe.text(bad, limit: 80))\" is not a node id"
            }
        }
        return nil
    }

    // MARK: - Subscriptions

    private func handleSubscribe(_ subscribe: Subscribe) {
        let subscriptionID = subscribe.subscriptionID
        func refuse(_ code: WireErrorCode, _ reason: String) {
            // Past the per-node limit of the interval, refusals are only counted (a summary
            // record says how many); the node is answered either way.
            let node = identity?.id ?? RefusalAggregator.address(of: peer)
            switch context.refusals.note(.subscribe, reason: code.name, node: node) {
            case .record:
                auditSubscription(.subscribe, subscriptionID, filter: subscribe.filter, outcome: .refused, reason: code.name, detail: reason)
            case .count(let isFirstSuppressed):
                if isFirstSuppressed {
                    logger.warning("refusal flood: further refused subscribes from this node are counted, not recorded one by one",
                                   metadata: ["peer.node": "\(node)", "reason": "\(code.name)"])
                }
            }
            enqueue(.subnack(SubscribeNack(subscriptionID: subscriptionID, code: code, reason: reason)))
        }
        if let failure = context.audit.failure {
            refuse(.auditUnavailable, "the audit log cannot be written (\(failure.code.rawValue)); no new subscriptions")
            return
        }
        let filter: TopicFilter
        do {
            filter = try TopicFilter(validating: subscribe.filter)
        } catch {
            refuse(.invalidFilter, error.reason)
            return
        }
        // The rules in force now: a reload may have changed them before this connection's identity
        // was re-evaluated.
        let permissions = identity.map { context.settings.permissions[$0.id] ?? .denyAll }
        if case .denied(let reason) = permissions?.allowsSubscribe(to: filter) ?? .denied("not identified") {
            refuse(.permissionDenied, "\(identity?.id ?? "?") (\(identity?.role.rawValue ?? "?")): \(reason)")
            return
        }
        guard subscriptions[subscriptionID] == nil else {
            refuse(.duplicateSubscription, "subscription id \(subscriptionID) is already in use on this connection")
            return
        }
        let limit = context.limits.maximumSubscriptionsPerConnection
        guard subscriptions.count < limit else {
            refuse(.tooManySubscriptions, "at most \(limit) subscriptions per connection")
            return
        }
        // Across all the node's connections, so more connections do not mean more subscriptions.
        let perNode = context.limits.maximumSubscriptionsPerNode
        guard let identity, context.nodeSubscriptions.admit(identity.id, limit: perNode) else {
            refuse(.tooManySubscriptions, "at most \(perNode) subscriptions per node over all its connections (limits.maxSubscriptionsPerNode)")
            return
        }
        // Each accepted subscribe (and the unsubscribe it allows) is an audit record: the node's
        // rate bounds what churn can add to the log (D35). Unsubscribes are never refused.
        let rate = context.limits.subscribesPerSecondPerNode
        guard context.subscribeRate.admit(identity.id, ratePerSecond: rate, burst: perNode,
                                          nowNanos: DispatchTime.now().uptimeNanoseconds) else {
            context.nodeSubscriptions.release(identity.id)
            refuse(.overloaded, "\(identity.id) is over its subscribe rate (limits.subscribesPerSecondPerNode \(rate)/s, "
                   + "burst \(perNode)); retry later")
            return
        }
        subscriptions[subscriptionID] = filter
        controlFrameAwaitsAnswer()   // answered by the SUBACK below, or undoSubscription's SUBNACK
        auditSubscription(.subscribe, subscriptionID, filter: subscribe.filter, outcome: .accepted, reason: nil, detail: nil) { [weak self] in
            self?.withdrawUnrecordedSubscription(subscriptionID, filter: filter)
        }
        let broker = context.broker
        let connectionID = id
        // The suback leaves only once the broker has the subscription, so a publish that follows
        // the suback is routed to it.
        broker.queue.async {
            if let refusal = broker.subscribe(connectionID, subscriptionID: subscriptionID, filter: filter) {
                self.queue.async { self.undoSubscription(subscriptionID, filter: filter, refusal) }
                return
            }
            self.send(.suback(SubscribeAck(subscriptionID: subscriptionID, extensions: [])))
        }
    }

    private func handleUnsubscribe(_ subscriptionID: UInt32) {
        guard subscriptions.removeValue(forKey: subscriptionID) != nil else {
            enqueue(.subnack(SubscribeNack(subscriptionID: subscriptionID, code: .unknownSubscription,
                                           reason: "no subscription \(subscriptionID) on this connection")))
            return
        }
        if let identity { context.nodeSubscriptions.release(identity.id) }
        controlFrameAwaitsAnswer()   // answered by the UNSUBACK below
        auditSubscription(.unsubscribe, subscriptionID, filter: nil, outcome: .accepted, reason: nil, detail: nil)
        let broker = context.broker
        let connectionID = id
        broker.queue.async {
            _ = broker.unsubscribe(connectionID, subscriptionID: subscriptionID)
            self.send(.unsuback(subscriptionID: subscriptionID))
        }
    }

    /// Records a subscription event; `onFailure` runs (on the connection queue) if the record could
    /// not be made durable.
    private func auditSubscription(_ kind: AuditEvent.Kind, _ subscriptionID: UInt32, filter: String?,
                                   outcome: AuditEvent.Outcome, reason: String?, detail: String?,
                                   onFailure: (@Sendable () -> Void)? = nil) {
        var event = AuditEvent(kind, timeMillis: WallClock.nowMillis(), outcome: outcome)
        event.connection = id
        event.node = identity?.id
        event.country = identity?.country
        event.subscriptionID = subscriptionID
        event.filter = filter
        event.reason = reason
        event.detail = detail
        // A refused filter and its detail are the peer's: bounded, so a refusal costs the log a fixed amount.
        if outcome == .refused { event = event.boundedForRefusal() }
        let queue = self.queue
        context.audit.append([event]) { result in
            guard case .failure = result, let onFailure else { return }
            queue.async { onFailure() }
        }
        if outcome == .refused {
            logger.info("subscribe refused", metadata: ["reason": "\(reason ?? "")", "filter": "\(LogSafe.text(filter ?? ""))"])
        }
    }

    /// The broker refused a subscription this connection had admitted (a reload changed the rules
    /// in between): forget it, record why and answer with a SUBNACK instead of a SUBACK.
    private func undoSubscription(_ subscriptionID: UInt32, filter: TopicFilter, _ refusal: WireError) {
        controlFrameAnswered()
        guard state == .open, subscriptions[subscriptionID] == filter else { return }
        withdrawSubscription(subscriptionID, filter: filter, code: refusal.code,
                             reason: refusal.code == .permissionDenied ? "permission-revoked" : refusal.code.name,
                             detail: "refused by the rules in force: \(refusal.reason)")
        flush()
    }

    /// Forgets an active subscription the broker no longer routes: frees its per-node slot,
    /// records an `unsubscribe` refused with `reason`, and tells the node with a SUBNACK (an
    /// unasked SUBNACK for an active id means "withdrawn", docs/PROTOCOL.md). Connection queue.
    func withdrawSubscription(_ subscriptionID: UInt32, filter: TopicFilter, code: WireErrorCode, reason: String, detail: String) {
        subscriptions[subscriptionID] = nil
        if let identity { context.nodeSubscriptions.release(identity.id) }
        var event = AuditEvent(.unsubscribe, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.connection = id
        event.node = identity?.id
        event.country = identity?.country
        event.subscriptionID = subscriptionID
        event.filter = filter.description
        event.reason = reason
        event.detail = detail
        context.audit.append([event])
        logger.notice("subscription withdrawn", metadata: ["sub.id": "\(subscriptionID)", "reason": "\(reason)"])
        enqueue(.subnack(SubscribeNack(subscriptionID: subscriptionID, code: code, reason: detail)))
    }

    /// Fail closed: a subscription whose record could not be made durable is removed again (the
    /// node gets a SUBNACK `audit-unavailable` for it, even after its SUBACK).
    private func withdrawUnrecordedSubscription(_ subscriptionID: UInt32, filter: TopicFilter) {
        guard state == .open, subscriptions[subscriptionID] == filter else { return }
        subscriptions[subscriptionID] = nil
        if let identity { context.nodeSubscriptions.release(identity.id) }
        logger.warning("subscription withdrawn: its record could not be written", metadata: ["sub.id": "\(subscriptionID)"])
        let broker = context.broker
        let connectionID = id
        let nack = SubscribeNack(subscriptionID: subscriptionID, code: .auditUnavailable,
                                 reason: "the audit log cannot be written; subscription \(subscriptionID) (\(filter)) withdrawn")
        // Through the broker queue, behind the SUBACK it sends: the node sees SUBACK, then SUBNACK.
        broker.queue.async {
            _ = broker.unsubscribe(connectionID, subscriptionID: subscriptionID)
            self.send(.subnack(nack))
        }
    }

    // MARK: - Receipts and certificates

    /// Records one audit entry for every delivery up to `through` not yet receipted.
    func recordReceipts(upTo through: UInt64) {
        var received: [String] = []
        while unreceiptedStart < unreceipted.count, unreceipted[unreceiptedStart].sequence <= through {
            received.append(unreceipted[unreceiptedStart].messageID.description)
            unreceiptedStart += 1
        }
        if unreceiptedStart > 1024, unreceiptedStart * 2 > unreceipted.count {
            unreceipted.removeFirst(unreceiptedStart)
            unreceiptedStart = 0
        }
        guard !received.isEmpty else { return }
        var event = AuditEvent(.receipt, timeMillis: WallClock.nowMillis())
        event.connection = id
        event.node = identity?.id
        event.deliverySequence = through
        event.receivedMessageIDs = received
        context.audit.append([event])
    }
}
