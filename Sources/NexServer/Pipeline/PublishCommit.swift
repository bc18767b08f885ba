import Logging
import NexAudit
import NexBroker
import NexWire

/// The last stage of a publish: appends its audit records and, from the audit completion (once
/// they are durable), answers the node and delivers the notice. Connections are reached by id
/// through the ``ConnectionRegistry``; a connection closed meanwhile is skipped.
///
/// Called on the broker queue, in each connection's publish order; completions run on the audit
/// writer queue in append order, so a connection's answers keep its publish order.
struct PublishCommit: Sendable {
    let audit: AuditLog
    let connections: ConnectionRegistry
    /// Counts refusals past the per-source limit instead of recording each.
    let refusals: RefusalAggregator
    /// Where a certificate recorded for the first time is cached once its record is durable.
    let certificateFiles: CertificateFiles
    /// Counts each publish's outcome and the deliveries (the metrics endpoint).
    let metrics: DaemonMetrics
    let logger: Logger

    /// Records a refusal (or, past the node's limit for the interval, only counts it) and NACKs it.
    func refuse(_ candidate: PublishCandidate, _ error: WireError) {
        let nack = Frame.nack(Nack(messageID: candidate.messageID, code: error.code, reason: error.reason))
        let connection = candidate.connectionID
        let connections = self.connections
        // A node hammering past its rate (or a full replay cache, or sending refusable publishes)
        // would otherwise write one record per refused publish: past the per-source limit they are
        // counted into a summary record. `overloaded` keeps its older summary, a `connect` record.
        let node = candidate.identity.id
        metrics.publish(.refused(error.code))
        let decision = error.code == .overloaded
            ? refusals.note(reason: error.code.name, peer: node)
            : refusals.note(.publish, reason: error.code.name, node: node)
        if case .count(let isFirstSuppressed) = decision {
            if isFirstSuppressed {
                logger.warning("refusal flood: further refused publishes from this node are counted, not recorded one by one",
                               metadata: ["peer.node": "\(node)", "reason": "\(error.code.name)"])
            }
            audit.append([]) { _ in connections.send(nack, to: connection) }
            return
        }
        logger.info("publish refused", metadata: [
            "peer.node": "\(node)", "msg.id": "\(candidate.messageID)", "reason": "\(error.code.name)",
        ])
        audit.append([.publishRefused(candidate, code: error.code, detail: error.reason)]) { _ in
            connections.send(nack, to: connection)
        }
    }

    /// A byte-identical re-send: recorded, then answered with the original ACK once that record is
    /// durable (which implies the original, written earlier, is durable too). Nothing is delivered.
    func answerRetry(_ verified: VerifiedPublish, connection: UInt64, originalSequence: UInt64) {
        let id = verified.envelope.messageID
        let connections = self.connections
        let metrics = self.metrics
        audit.append([.publishDuplicate(verified, connection: connection, originalSequence: originalSequence)]) { result in
            switch result {
            case .success:
                metrics.publish(.duplicate)
                connections.send(.ack(Ack(messageID: id, auditSequence: originalSequence, flags: .duplicate)), to: connection)
            case .failure(let error):
                metrics.publish(.refused(.auditUnavailable))
                connections.send(.nack(Nack(messageID: id, code: .auditUnavailable, reason: "audit log unavailable: \(error.code.rawValue)")),
                                 to: connection)
            }
        }
    }

    /// Appends an acceptance as one batch — the certificate on first use, the acceptance with the
    /// signed envelope, the routing decision — and, once durable, caches the certificate, ACKs and
    /// delivers. The ACK says nothing of who was withheld, not even how many: a count of matching
    /// subscribers would tell a publisher whether a node it denies is connected (D33).
    ///
    /// Returns the acceptance's sequence number, or nil when the log refused the batch at once
    /// (it has failed: nothing of it will be in the log). `onFailure` runs on the audit writer
    /// queue, before the NACK, when the batch could not be made durable.
    func accept(_ verified: VerifiedPublish, connection: UInt64, decision: RoutingDecision, inboxes: InboxRouting,
                recordsCertificate: Bool, nowMillis: Int64, onFailure: @escaping @Sendable () -> Void) -> UInt64? {
        var events: [AuditEvent] = []
        if recordsCertificate { events.append(.certificateFirstSeen(verified.identity, atMillis: nowMillis)) }
        events.append(.publishAccepted(verified, connection: connection))
        events.append(.route(decision, inboxes: inboxes, of: verified, atMillis: nowMillis))
        let acceptedIndex = events.count - 2
        // A batch-signed notice: the log writes its batch's signature once (D74), before this
        // publish unless a record of its claim is recent enough.
        let batch = verified.batch.map {
            AuditLog.BatchReference(claim: $0.claim, node: verified.identity.id, certificate: verified.identity.certificate.fingerprint,
                                    connection: connection, timeMillis: verified.receivedAtMillis, publishIndex: acceptedIndex)
        }
        let messageID = verified.envelope.messageID
        let connections = self.connections
        let files = certificateFiles
        let metrics = self.metrics
        let sequences = audit.append(events, batch: batch) { result in
            switch result {
            case .success(let sequences):
                // Connection 0 is nexd's own expire message (D61), not a node's publish.
                if connection == 0 { metrics.expired() } else { metrics.publish(.accepted) }
                metrics.routed(to: inboxes.recipients.count)
                if recordsCertificate { files.persist(verified.identity.certificate) }
                let acceptedSequence = sequences[acceptedIndex]
                let message = DeliveryMessage(verified, auditSequence: acceptedSequence)
                connections.answerAndDeliver(.ack(Ack(messageID: messageID, auditSequence: acceptedSequence)), to: connection,
                                             message, to: inboxes.recipients)
            case .failure(let error):
                if connection != 0 { metrics.publish(.refused(.auditUnavailable)) }
                onFailure()
                connections.send(.nack(Nack(messageID: messageID, code: .auditUnavailable,
                                            reason: "audit log unavailable (\(error.code.rawValue)); the notice was not accepted")),
                                 to: connection)
            }
        }
        guard sequences.count == events.count else { return nil }
        let acceptedSequence = sequences[acceptedIndex]
        logger.debug("publish accepted", metadata: [
            "peer.node": "\(verified.identity.id)", "msg.id": "\(messageID)", "audit.seq": "\(acceptedSequence)",
            "recipients": "\(inboxes.recipients.count)", "queued": "\(inboxes.queued.count)",
        ])
        return acceptedSequence
    }
}

/// What every recipient of one accepted notice is sent (the per-connection parts are added by the
/// connection: its delivery number and its matching subscription ids). Immutable and shared: one
/// instance per notice however many connections and inboxes hold it, so a held delivery costs a
/// reference, not a copy of these fields (the reconnect storm holds a million; S8).
final class DeliveryMessage: Sendable {
    let envelope: [UInt8]
    let messageID: MessageID
    let originNode: String
    let receivedAtMillis: Int64
    let certificateFingerprint: [UInt8]
    let auditSequence: UInt64
    /// Its priority and, for a follow-up, its original: how a connection orders it (D58).
    let order: DeliveryOrder

    init(envelope: [UInt8], messageID: MessageID, originNode: String, receivedAtMillis: Int64, certificateFingerprint: [UInt8],
         auditSequence: UInt64, order: DeliveryOrder = .plain) {
        self.envelope = envelope
        self.messageID = messageID
        self.originNode = originNode
        self.receivedAtMillis = receivedAtMillis
        self.certificateFingerprint = certificateFingerprint
        self.auditSequence = auditSequence
        self.order = order
    }
}

extension DeliveryMessage {
    /// What the recipients of `verified`, accepted as record `auditSequence`, are sent.
    convenience init(_ verified: VerifiedPublish, auditSequence: UInt64) {
        self.init(envelope: verified.wireBytes, messageID: verified.envelope.messageID, originNode: verified.identity.id,
                  receivedAtMillis: verified.receivedAtMillis,
                  certificateFingerprint: verified.identity.certificate.fingerprint.bytes, auditSequence: auditSequence,
                  order: verified.order)
    }
}
