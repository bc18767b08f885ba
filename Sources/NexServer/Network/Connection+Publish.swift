import Dispatch
import NexAudit
import NexBroker
import NexCrypto
import NexNotices
import NexWire

/// What an open connection does with a publish frame (connection queue).
extension Connection {
    // MARK: - Publish

    func handlePublish(_ bytes: [UInt8]) {
        guard let identity else { return }
        publishTaken()   // every publish is answered exactly once, by an ACK or a NACK
        publishBytesTaken(bytes.count)
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
        if let spent = context.broker.duplicates.refusal(for: identity.id) { refuse(signed, spent.code, spent.reason); return }
        // A node whose signatures keep failing has spent its budget: refused unverified, here and
        // (for publishes already queued) again just before the check, so the bound holds.
        let failures = context.failedVerifications
        let spentBudget = WireError(.overloaded,
            "\(identity.id) has failed too many signature checks (limits.failedVerificationsPerSecondPerNode \(context.limits.failedVerificationsPerSecondPerNode)/s, burst \(context.limits.failedVerificationsBurstPerNode)); its publishes are refused unverified until the budget refills")
        guard failures.allows(identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds) else {
            refuse(signed, spentBudget.code, spentBudget.reason)
            return
        }
        pendingVerifications.append {
            guard failures.allows(identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds) else {
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
                failures.charge(identity.id, nowNanos: DispatchTime.now().uptimeNanoseconds)
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
}
