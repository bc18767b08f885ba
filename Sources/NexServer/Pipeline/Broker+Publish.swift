import Dispatch
import NexAudit
import NexBroker
import NexCrypto
import NexNotices
import NexWire

/// A publish at the broker (broker queue, in each connection's order): judged again by the
/// settings in force here, checked against the replay cache, routed, then committed.
extension Broker {
    func handle(_ candidate: PublishCandidate) {
        dispatchPrecondition(condition: .onQueue(queue))
        // Judged by the settings in force here: a publish of a node revoked or removed by a reload,
        // still in the pipeline when the reload was recorded, is refused, never accepted after it.
        if let end = settings.sessionEnd(for: candidate.identity) {
            commit.refuse(candidate, WireError(end.code, "\(end.reason): \(end.detail)"))
            return
        }
        if let topic = candidate.topic, case .denied(let reason) = settings.permissions(of: candidate.identity.id).allowsPublish(to: topic) {
            commit.refuse(candidate, WireError(.permissionDenied, "\(candidate.identity.id) (\(candidate.identity.role.rawValue)): \(reason)"))
            return
        }
        switch candidate.outcome {
        case .refused(let refusal):
            commit.refuse(candidate, refusal.error)
        case .verified(let verified):
            handle(verified, candidate: candidate, nowMillis: WallClock.nowMillis())
        }
    }

    private func handle(_ verified: VerifiedPublish, candidate: PublishCandidate, nowMillis now: Int64) {
        let messageID = verified.envelope.messageID
        let node = verified.identity.id
        switch replay.check(messageID, digest: verified.digest, node: node, nowMillis: now) {
        case .replay:
            commit.refuse(candidate, WireError(.replay, "message id \(messageID) was already accepted with different bytes"))
        case .nodeShareFull:
            commit.refuse(candidate, WireError(.overloaded,
                "\(node) has \(replay.sharePerNode) message ids inside the replay window (limits.replayCacheEntriesPerNode); retry later"))
        case .full:
            commit.refuse(candidate, WireError(.overloaded, "too many message ids inside the replay window; retry later"))
        case .retry(let original):
            if let spent = duplicates.charge(node) {
                commit.refuse(candidate, spent)
                return
            }
            commit.answerRetry(verified, connection: candidate.connectionID, originalSequence: original)
        case .new:
            accept(verified, candidate: candidate, nowMillis: now)
        }
    }

    private func accept(_ verified: VerifiedPublish, candidate: PublishCandidate, nowMillis: Int64) {
        let plan: RegistryPlan
        switch registryPlan(for: verified) {
        case .failure(let refusal):
            commit.refuse(candidate, refusal)
            return
        case .success(let judged):
            plan = judged
        }
        // nexd signs an expiry with its audit key (D61): without one it cannot keep the promise.
        if expirySigner == nil, verified.markings.expiresAtMillis != nil {
            commit.refuse(candidate, WireError(.invalidNotice,
                "expires_at refused: this nexd has no audit key (audit.key, audit.certificate) to sign the expiry with; publish without expires_at"))
            return
        }
        commitAcceptance(verified, plan: plan, connection: candidate.connectionID, nowMillis: nowMillis)
    }

    /// Routes an accepted publish (a node's, or nexd's own `expire` with no connection), appends
    /// its records and, once durable, answers and delivers; registers it and keeps it for inboxes.
    func commitAcceptance(_ verified: VerifiedPublish, plan: RegistryPlan, connection: UInt64, nowMillis: Int64) {
        // Only an accepted notice of the General Secretariat or an NCB counts: a node cannot slow
        // others down with urgent publishes that are refused, nor a border post with its hits (D68).
        if verified.markings.priority == .urgent, UrgentHeadroom.triggers(role: verified.identity.role),
           urgentHeadroom.noteUrgent(atNanos: DispatchTime.now().uptimeNanoseconds) {
            commit.logger.notice("urgent notices flow: connections keep fewer publishes in flight for a second (limits.inFlightPublishesWhileUrgent)",
                          metadata: ["peer.node": "\(verified.identity.id)", "msg.id": "\(verified.envelope.messageID)"])
        }
        let envelope = verified.envelope
        let certificate = verified.identity.certificate
        let recordsCertificate = !certificates.contains(certificate.fingerprint)
        if recordsCertificate { certificates.insert(certificate) }
        let restrictions = DisseminationRestrictions(
            allowedCountries: envelope.allowedCountries, deniedCountries: envelope.deniedCountries,
            allowedNodes: envelope.allowedNodes, deniedNodes: envelope.deniedNodes)
        // Every diffusion is copied to the General Secretariat for compliance review (D55), and so
        // are its follow-ups. A follow-up also reaches the holders of its original, never a node the
        // original withheld (D57).
        let copiesForCompliance = verified.kind == .diffusion || plan.originalKind == .diffusion
        let topicDecision = RoutingDecision.route(verified.topic, from: verified.identity.id, restrictions: restrictions,
                                                  original: plan.original, copiesForCompliance: copiesForCompliance,
                                                  in: subscriptions) { self.subscribers[$0] }
        let topicInboxes = InboxRouting.route(topicDecision, topic: verified.topic, from: verified.identity.id, original: plan.original,
                                              copiesForCompliance: copiesForCompliance, book: inboxes) { self.facts(ofNode: $0) }
        let (decision, inboxRouting) = addingHolders(plan, to: topicDecision, topicInboxes, verified: verified,
                                                     copiesForCompliance: copiesForCompliance)
        let messageID = envelope.messageID
        let digest = verified.digest
        let undo = UndoBox()
        let acceptedSequence = commit.accept(
            verified, connection: connection, decision: decision, inboxes: inboxRouting, recordsCertificate: recordsCertificate,
            nowMillis: nowMillis
        ) {
            // Hopped before the NACK goes out, so the publisher's retry reaches the broker after it.
            self.queue.async {
                self.forgetAcceptance(of: messageID, digest: digest, certificate: recordsCertificate ? certificate : nil)
                // Never durable, never ACKed: no inbox may deliver it, no follow-up may refer to it.
                for key in inboxRouting.targets { self.inboxes.remove([messageID.description], from: key) }
                undo.run()
            }
        }
        guard let acceptedSequence else {
            // Refused at once (the log has failed): nothing of this batch will be in the log.
            if recordsCertificate { certificates.forget(certificate.fingerprint) }
            return
        }
        undo.action = register(verified, restrictions: restrictions, plan: plan, routing: inboxRouting, acceptedSequence: acceptedSequence)
        keep(DeliveryMessage(verified, auditSequence: acceptedSequence), in: inboxRouting, acceptedAtMillis: nowMillis)
        // nexd's own expire too (D61): no node may publish another record under its id.
        replay.insert(messageID, entry: .init(
            signedDigest: digest, sequence: acceptedSequence, expiresAtMillis: envelope.issuedAtMillis + 2 * replayWindowMillis,
            node: verified.identity.id))
    }

    /// An acceptance whose audit batch failed: the log (which recovers) will never hold it, so the
    /// replay cache must not answer a retry with its number, and its certificate record is missing.
    private func forgetAcceptance(of messageID: MessageID, digest: SHA256Digest, certificate: Certificate?) {
        dispatchPrecondition(condition: .onQueue(queue))
        replay.remove(messageID, digest: digest)
        if let certificate { certificates.forget(certificate.fingerprint) }
    }
}

/// The undo of a registry change, set on the broker queue after the append and run there (after
/// a hop) when the append fails: the failure's hop is queued behind the code that sets it.
private final class UndoBox: @unchecked Sendable {
    var action: (@Sendable () -> Void)?
    func run() { action?() }
}
