import NexAudit
import NexBroker
import NexCrypto
import NexWire

/// The audit records of the publish path, built in one place (the record format is docs/AUDIT.md).
extension AuditEvent {
    /// A refused publish: the reason is the wire code's name, the detail the NACK's reason. The
    /// peer's topic, kind and detail are bounded, so a refusal costs the log a fixed amount.
    static func publishRefused(_ candidate: PublishCandidate, code: WireErrorCode, detail: String) -> AuditEvent {
        var event = publish(candidate.identity, connection: candidate.connectionID, envelope: candidate.envelope?.envelope,
                            receivedAtMillis: candidate.receivedAtMillis, outcome: .refused)
        event.reason = code.name
        event.detail = detail
        return event.boundedForRefusal()
    }

    /// A byte-identical re-send of the publish accepted as `originalSequence`.
    static func publishDuplicate(_ verified: VerifiedPublish, connection: UInt64, originalSequence: UInt64) -> AuditEvent {
        var event = publish(verified.identity, connection: connection, envelope: verified.envelope,
                            receivedAtMillis: verified.receivedAtMillis, outcome: .duplicate)
        event.signedDigest = verified.digest.hex
        event.acceptedSequence = originalSequence
        event.detail = "byte-identical re-send answered with the original ACK"
        return event
    }

    /// An accepted publish, with the signed envelope's bytes as received (for later re-verification;
    /// a batch-signed one without its root signature, which its `batch` record holds: format 6,
    /// D74) and the `expires_at` nexd keeps for it (format 5, D61). nexd's own `expire` has no
    /// connection, peer or country: `node` and `cert` name the audit certificate.
    static func publishAccepted(_ verified: VerifiedPublish, connection: UInt64) -> AuditEvent {
        var event = publish(verified.identity, connection: connection, envelope: verified.envelope,
                            receivedAtMillis: verified.receivedAtMillis, outcome: .accepted)
        if verified.isSentByNexd {
            event.connection = nil
            event.country = nil
            event.peer = nil
        }
        event.signedDigest = verified.digest.hex
        event.issuedAtMillis = verified.envelope.issuedAtMillis
        event.expiresAtMillis = verified.markings.expiresAtMillis
        event.envelope = verified.storedWireBytes
        return event
    }

    /// The first use of an originator certificate: the record keeps its DER bytes.
    static func certificateFirstSeen(_ identity: NodeIdentity, atMillis time: Int64) -> AuditEvent {
        var event = AuditEvent(.certificate, timeMillis: time)
        event.node = identity.id
        event.certificateFingerprint = identity.certificate.fingerprint.hex
        event.detail = identity.certificate.subjectDescription
        event.certificateDER = identity.certificate.derBytes
        return event
    }

    /// The routing decision of an accepted notice: every recipient; the originator's restrictions
    /// and the withheld subscribers when it restricted the notice (the list then even when empty),
    /// else the withheld ones only if a subscriber's own permissions withheld it.
    /// `inboxes`, when given, is the decision with durable inboxes merged in (its recipients replace
    /// the decision's; its queued and withheld inboxes are added). A compliance copy (D55) is marked
    /// `"exception":"compliance"` on its recipient or queued entry.
    static func route(_ decision: RoutingDecision, inboxes: InboxRouting? = nil, of verified: VerifiedPublish,
                      atMillis time: Int64) -> AuditEvent {
        var event = AuditEvent(.route, timeMillis: time)
        event.messageID = verified.envelope.messageID.description
        event.node = verified.identity.id
        event.topic = verified.envelope.topic
        event.recipients = (inboxes?.recipients ?? decision.recipients).map {
            Recipient(node: $0.node, connection: $0.connection, subscriptions: $0.subscriptionIDs,
                      inboxes: inboxes?.inboxesByConnection[$0.connection] ?? [],
                      exception: $0.isComplianceCopy ? AuditEvent.complianceException : nil)
        }
        if let inboxes, !inboxes.queued.isEmpty {
            event.queued = inboxes.queued.map {
                Queued(node: $0.node, inbox: $0.name,
                       exception: inboxes.complianceQueued.contains($0) ? AuditEvent.complianceException : nil)
            }
        }
        let withheld = decision.withheld.map { Withheld(node: $0.node, connection: $0.connection, reason: $0.reason.rawValue) }
            + (inboxes?.withheld ?? []).map { Withheld(node: $0.key.node, inbox: $0.key.name, reason: $0.reason.rawValue) }
        if decision.hasRestrictions {
            event.restrictions = decision.restrictions.recordDescription
            event.withheld = withheld
        } else if !withheld.isEmpty {
            event.withheld = withheld
        }
        return event
    }

    /// The fields every publish record has: who sent it, on which connection, and what it was.
    private static func publish(_ identity: NodeIdentity, connection: UInt64, envelope: Envelope?, receivedAtMillis: Int64,
                                outcome: Outcome) -> AuditEvent {
        var event = AuditEvent(.publish, timeMillis: receivedAtMillis, outcome: outcome)
        event.connection = connection
        event.node = identity.id
        event.country = identity.country
        event.peer = identity.peer
        event.certificateFingerprint = identity.certificate.fingerprint.hex
        if let envelope {
            event.messageID = envelope.messageID.description
            event.topic = envelope.topic
            event.noticeKind = envelope.kind
        }
        return event
    }
}
