import Dispatch
import Logging
import NexAudit
import NexBroker
import NexCrypto
import NexWire

/// The broker: decides what happens to each publish and who receives it.
///
/// All state is confined to `queue` (serial). Hop order, never reversed:
/// connection queue → verification pool → **broker queue** → audit writer → connection queues.
/// The broker appends an accepted notice's records (certificate on first use, the acceptance with
/// the signed envelope, the routing decision) as one batch; the audit completion sends the ACK and
/// the deliveries, so nothing is acknowledged or delivered before it is durable.
final class Broker: @unchecked Sendable {
    let queue = DispatchQueue(label: "nex.broker")
    private let audit: AuditLog
    private let logger: Logger
    private let replayWindowMillis: Int64
    private var replay: ReplayCache
    private var certificates: CertificateStore
    private var subscriptions = SubscriptionTable<UInt64>()
    /// Registered connections and the identity each was accepted with (copied here so routing never
    /// reads connection state from the broker queue).
    private var connections: [UInt64: (connection: Connection, identity: NodeIdentity)] = [:]

    /// Counts `overloaded` refusals past the per-source limit instead of recording each.
    private let refusals: RefusalAggregator
    /// The settings sessions are judged by (replaced here, on the broker queue, by a reload).
    private var settings: DaemonSettings
    /// Re-sends answered with the original ACK, charged per node here; checked before verification.
    let duplicates: DuplicateBudget

    init(audit: AuditLog, auditDirectory: String, replayWindow: Duration, replayCapacity: Int, replaySharePerNode: Int,
         refusals: RefusalAggregator, settings: DaemonSettings, logger: Logger) {
        self.audit = audit
        self.settings = settings
        self.refusals = refusals
        self.logger = logger
        self.duplicates = DuplicateBudget(ratePerSecond: settings.configuration.limits.duplicatesPerSecondPerNode,
                                          burst: settings.configuration.limits.duplicatesBurstPerNode)
        self.replayWindowMillis = replayWindow.components.seconds * 1000
        self.replay = ReplayCache(capacity: replayCapacity, sharePerNode: replaySharePerNode,
                                  rosterSize: settings.configuration.roster.entries.count)
        self.certificates = CertificateStore(auditDirectory: auditDirectory)
    }

    // MARK: - Start-up

    /// Rebuilds the replay cache from the accepted publishes still inside the window. Reads the
    /// segments from the newest back and stops at the first segment that ends before the window.
    func rebuildReplayCache(from directory: String, nowMillis: Int64) throws -> Int {
        let reader = AuditReader(directory: directory)
        let segments = try reader.segments()
        // An entry expires at issuedAt + 2W and issuedAt ≤ record time + W: older records are moot.
        let horizon = nowMillis - 3 * replayWindowMillis
        var restored = 0
        for segment in segments.reversed() {
            var newest: Int64 = .min
            try reader.forEachRecord(in: [segment]) { record in
                newest = max(newest, record.timeMillis ?? .min)
                guard record.event == "publish", record.string("outcome") == "accepted",
                      let idText = record.string("msg"), let id = MessageID(string: idText),
                      let digest = record.string("digest").flatMap(SHA256Digest.init(hex:)),
                      let sequence = record.sequence, let node = record.string("node"),
                      let issuedAt = record.string("issuedAt").flatMap(Timestamp.parse)
                else { return true }
                let expiry = issuedAt + 2 * replayWindowMillis
                if expiry > nowMillis {
                    replay.insert(id, entry: .init(signedDigest: digest, sequence: sequence, expiresAtMillis: expiry, node: node))
                    restored += 1
                }
                return true
            }
            if newest < horizon { break }
        }
        return restored
    }

    // MARK: - Connections and subscriptions (broker queue)

    func register(_ connection: Connection, identity: NodeIdentity) {
        dispatchPrecondition(condition: .onQueue(queue))
        // A reload may have happened since the handshake read its settings: judge by the current
        // ones (the connection's own re-evaluation closes it).
        if settings.sessionEnd(for: identity) != nil {
            connection.reevaluate(under: settings)   // it closes the session
            return
        }
        var current = identity
        current.permissions = settings.permissions[identity.id] ?? .denyAll
        connections[connection.id] = (connection, current)
    }

    func unregister(_ connectionID: UInt64) {
        dispatchPrecondition(condition: .onQueue(queue))
        connections[connectionID] = nil
        subscriptions.removeAll(subscriber: connectionID)
    }

    /// Adds a subscription, judged again by the settings in force here (a reload may have come
    /// between the connection's check and this point); nil when added, else why not.
    func subscribe(_ connectionID: UInt64, subscriptionID: UInt32, filter: TopicFilter) -> WireError? {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let registered = connections[connectionID] else {
            return WireError(.permissionDenied, "the session is not admitted (ended by a reload)")
        }
        if case .denied(let reason) = registered.identity.permissions.allowsSubscribe(to: filter) {
            return WireError(.permissionDenied, "\(registered.identity.id) (\(registered.identity.role.rawValue)): \(reason)")
        }
        guard subscriptions.insert(filter, subscriber: connectionID, subscriptionID: subscriptionID) else {
            return WireError(.duplicateSubscription, "subscription id \(subscriptionID) is already in use on this connection")
        }
        return nil
    }

    func unsubscribe(_ connectionID: UInt64, subscriptionID: UInt32) -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        return subscriptions.remove(subscriber: connectionID, subscriptionID: subscriptionID)
    }

    /// A reload: from this point of the broker queue on, `new` judges every session. Ends the
    /// sessions it no longer allows (their queued publishes are refused, nothing more is routed
    /// to them), gives the others their new permissions and removes the subscriptions those do
    /// not cover, and appends `record` (the reload's audit record) at exactly this point.
    /// Returns, per registered connection, what it must do.
    func applyReload(_ new: DaemonSettings, record: AuditEvent) -> [UInt64: ReloadVerdict] {
        dispatchPrecondition(condition: .onQueue(queue))
        settings = new
        // The replay cache is divided anew over the new roster (unless the share is set).
        replay.sharePerNode = new.configuration.limits.replayCacheShare(rosterSize: new.configuration.roster.entries.count)
        replay.rosterSize = new.configuration.roster.entries.count
        audit.append([record])
        var verdicts: [UInt64: ReloadVerdict] = [:]
        for (connectionID, registered) in connections {
            if let end = new.sessionEnd(for: registered.identity) {
                connections[connectionID] = nil
                subscriptions.removeAll(subscriber: connectionID)
                verdicts[connectionID] = .end(end)
                continue
            }
            var identity = registered.identity
            identity.permissions = new.permissions[identity.id] ?? .denyAll
            verdicts[connectionID] = .keep(identity, withdrawn: applyPermissions(connectionID, identity: identity))
        }
        return verdicts
    }

    /// After a reload: routes this connection's notices under `identity` (its new permissions) and
    /// removes the subscriptions those no longer allow. Returns what was removed, and why.
    func applyPermissions(_ connectionID: UInt64, identity: NodeIdentity) -> [(id: UInt32, filter: TopicFilter, reason: String)] {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let registered = connections[connectionID] else { return [] }
        // The broker's own settings decide (a re-evaluation posted before a newer reload must
        // not bring back older, looser rules).
        var identity = identity
        identity.permissions = settings.permissions[identity.id] ?? .denyAll
        connections[connectionID] = (registered.connection, identity)
        var withdrawn: [(id: UInt32, filter: TopicFilter, reason: String)] = []
        for (subscriptionID, filter) in subscriptions.subscriptions(of: connectionID).sorted(by: { $0.key < $1.key }) {
            if case .denied(let reason) = identity.permissions.allowsSubscribe(to: filter) {
                _ = subscriptions.remove(subscriber: connectionID, subscriptionID: subscriptionID)
                withdrawn.append((subscriptionID, filter, reason))
            }
        }
        return withdrawn
    }

    /// Ids one node may have in the replay cache now (its share; a reload may re-divide it).
    var replaySharePerNode: Int {
        dispatchPrecondition(condition: .onQueue(queue))
        return replay.sharePerNode
    }

    func certificateDER(for fingerprint: SHA256Digest) -> [UInt8]? {
        dispatchPrecondition(condition: .onQueue(queue))
        return certificates.der(for: fingerprint)
    }

    // MARK: - Publish (broker queue, in per-connection order)

    /// An acceptance whose audit batch failed: the log (which recovers) will never hold it, so the
    /// replay cache must not answer a retry with its number, and its certificate record is missing.
    private func forgetAcceptance(of messageID: MessageID, digest: SHA256Digest, certificate: Certificate?) {
        dispatchPrecondition(condition: .onQueue(queue))
        replay.remove(messageID, digest: digest)
        if let certificate { certificates.forget(certificate.fingerprint) }
    }

    func handle(_ candidate: PublishCandidate) {
        dispatchPrecondition(condition: .onQueue(queue))
        // Judged by the settings in force here: a publish of a node revoked or removed by a reload,
        // still in the pipeline when the reload was recorded, is refused, never accepted after it.
        if let end = settings.sessionEnd(for: candidate.identity) {
            refuse(candidate, WireError(end.code, "\(end.reason): \(end.detail)"))
            return
        }
        if let topic = candidate.topic, let permissions = settings.permissions[candidate.identity.id],
           case .denied(let reason) = permissions.allowsPublish(to: topic) {
            refuse(candidate, WireError(.permissionDenied, "\(candidate.identity.id) (\(candidate.identity.role.rawValue)): \(reason)"))
            return
        }
        let now = WallClock.nowMillis()
        switch candidate.outcome {
        case .refused(let error):
            refuse(candidate, error)
        case .verified(let digest):
            guard let signed = candidate.envelope else {
                refuse(candidate, WireError(.internalError, "verified publish without an envelope"))
                return
            }
            switch replay.check(signed.envelope.messageID, digest: digest, node: candidate.identity.id, nowMillis: now) {
            case .replay:
                refuse(candidate, WireError(.replay, "message id \(signed.envelope.messageID) was already accepted with different bytes"))
            case .nodeShareFull:
                refuse(candidate, WireError(.overloaded,
                    "\(candidate.identity.id) has \(replay.sharePerNode) message ids inside the replay window (limits.replayCacheEntriesPerNode); retry later"))
            case .full:
                refuse(candidate, WireError(.overloaded, "too many message ids inside the replay window; retry later"))
            case .retry(let original):
                if let spent = duplicates.charge(candidate.identity.id) { refuse(candidate, spent); return }
                answerRetry(candidate, digest: digest, originalSequence: original)
            case .new:
                accept(candidate, signed: signed, digest: digest, nowMillis: now)
            }
        }
    }

    private func refuse(_ candidate: PublishCandidate, _ error: WireError) {
        var event = publishEvent(candidate, outcome: .refused)
        event.reason = error.code.name
        event.detail = error.reason
        // The topic, kind and detail are the peer's: bounded, so a refusal costs the log a fixed amount.
        event = event.boundedForRefusal()
        // Answered from the audit completion, like ACKs: completions run in append order, so a
        // connection's answers keep its publish order.
        let connection = candidate.connection
        let nack = Nack(messageID: candidate.messageID, code: error.code, reason: error.reason)
        // A node hammering past its rate (or a full replay cache, or sending refusable publishes)
        // would otherwise write one record per refused publish: past the per-source limit they are
        // counted into a summary record. `overloaded` keeps its older summary, a `connect` record.
        let node = candidate.identity.id
        let decision = error.code == .overloaded
            ? refusals.note(reason: error.code.name, peer: node)
            : refusals.note(.publish, reason: error.code.name, node: node)
        if case .count(let isFirstSuppressed) = decision {
            if isFirstSuppressed {
                logger.warning("refusal flood: further refused publishes from this node are counted, not recorded one by one",
                               metadata: ["peer.node": "\(node)", "reason": "\(error.code.name)"])
            }
            audit.append([]) { _ in connection.send(.nack(nack)) }
            return
        }
        logger.info("publish refused", metadata: [
            "peer.node": "\(candidate.identity.id)", "msg.id": "\(candidate.messageID)", "reason": "\(error.code.name)",
        ])
        audit.append([event]) { _ in connection.send(.nack(nack)) }
    }

    /// A byte-identical re-send: recorded, then answered with the original ACK once that record is
    /// durable (which implies the original, written earlier, is durable too). Nothing is delivered.
    private func answerRetry(_ candidate: PublishCandidate, digest: SHA256Digest, originalSequence: UInt64) {
        var event = publishEvent(candidate, outcome: .duplicate)
        event.signedDigest = digest.hex
        event.acceptedSequence = originalSequence
        event.detail = "byte-identical re-send answered with the original ACK"
        let connection = candidate.connection
        let id = candidate.messageID
        audit.append([event]) { result in
            switch result {
            case .success:
                connection.send(.ack(Ack(messageID: id, auditSequence: originalSequence, flags: .duplicate)))
            case .failure(let error):
                connection.send(.nack(Nack(messageID: id, code: .auditUnavailable, reason: "audit log unavailable: \(error.code.rawValue)")))
            }
        }
    }

    private func accept(_ candidate: PublishCandidate, signed: SignedEnvelope, digest: SHA256Digest, nowMillis: Int64) {
        let identity = candidate.identity
        let envelope = signed.envelope
        // The topic was validated on the connection queue.
        guard let topic = candidate.topic else {
            refuse(candidate, WireError(.internalError, "accepted publish without a validated topic"))
            return
        }
        var events: [AuditEvent] = []
        let certificate = identity.certificate
        let recordsCertificate = !certificates.contains(certificate.fingerprint)
        if recordsCertificate {
            var recorded = AuditEvent(.certificate, timeMillis: nowMillis)
            recorded.node = identity.id
            recorded.certificateFingerprint = certificate.fingerprint.hex
            recorded.detail = certificate.subjectDescription
            recorded.certificateDER = certificate.derBytes
            events.append(recorded)
            certificates.insert(certificate)
        }
        var accepted = publishEvent(candidate, outcome: .accepted)
        accepted.signedDigest = digest.hex
        accepted.issuedAtMillis = envelope.issuedAtMillis
        // The bytes as received: parsing proved they are exactly body ‖ signature.
        let wireBytes = candidate.wireBytes ?? signed.wireBytes
        accepted.envelope = wireBytes
        events.append(accepted)

        let matches = subscriptions.matches(for: topic)
        let restrictions = DisseminationRestrictions(
            allowedCountries: envelope.allowedCountries, deniedCountries: envelope.deniedCountries,
            allowedNodes: envelope.allowedNodes, deniedNodes: envelope.deniedNodes)
        var deliveries: [(Connection, [UInt32])] = []
        var recipients: [AuditEvent.Recipient] = []
        var withheld: [AuditEvent.Withheld] = []
        for (connectionID, subscriptionIDs) in matches.sorted(by: { $0.key < $1.key }) {
            guard let (subscriber, subscriberIdentity) = connections[connectionID] else { continue }
            let reason: WithholdingReason? =
                if !subscriberIdentity.permissions.allowsDelivery(of: topic) {
                    .subscriberPermission
                } else if subscriberIdentity.id == identity.id {
                    nil  // the originator's restrictions never hide its own notice from itself
                } else {
                    restrictions.withholdingReason(node: subscriberIdentity.id, country: subscriberIdentity.country)
                }
            if let reason {
                withheld.append(.init(node: subscriberIdentity.id, connection: connectionID, reason: reason.rawValue))
            } else {
                recipients.append(.init(node: subscriberIdentity.id, connection: connectionID, subscriptions: subscriptionIDs))
                deliveries.append((subscriber, subscriptionIDs))
            }
        }
        var route = AuditEvent(.route, timeMillis: nowMillis)
        route.messageID = envelope.messageID.description
        route.node = identity.id
        route.topic = envelope.topic
        route.recipients = recipients
        if !restrictions.isUnrestricted {
            route.restrictions = Self.describe(restrictions)
            route.withheld = withheld
        } else if !withheld.isEmpty {
            route.withheld = withheld
        }
        events.append(route)
        // The ACK says nothing of who was withheld, not even how many: a count of matching
        // subscribers would tell a publisher whether a node it denies is connected (D33).
        let publisher = candidate.connection
        let messageID = envelope.messageID
        let fingerprint = certificate.fingerprint.bytes
        let receivedAt = candidate.receivedAtMillis
        let origin = identity.id
        let acceptedIndex = events.count - 2
        let recipientsToDeliver = deliveries
        let index = certificates
        let sequences = audit.append(events) { result in
            switch result {
            case .success(let sequences):
                if recordsCertificate { index.persist(certificate) }
                let acceptedSequence = sequences[acceptedIndex]
                publisher.send(.ack(Ack(messageID: messageID, auditSequence: acceptedSequence)))
                let message = DeliveryMessage(
                    envelope: wireBytes, messageID: messageID, originNode: origin, receivedAtMillis: receivedAt,
                    certificateFingerprint: fingerprint, auditSequence: acceptedSequence)
                for (subscriber, subscriptionIDs) in recipientsToDeliver {
                    subscriber.deliver(message, subscriptionIDs: subscriptionIDs)
                }
            case .failure(let error):
                // Hopped before the NACK goes out, so the publisher's retry reaches the broker after it.
                self.queue.async { self.forgetAcceptance(of: messageID, digest: digest, certificate: recordsCertificate ? certificate : nil) }
                publisher.send(.nack(Nack(messageID: messageID, code: .auditUnavailable,
                                          reason: "audit log unavailable (\(error.code.rawValue)); the notice was not accepted")))
            }
        }
        guard sequences.count == events.count else {
            // Refused at once (the log has failed): nothing of this batch will be in the log.
            if recordsCertificate { certificates.forget(certificate.fingerprint) }
            return
        }
        let acceptedSequence = sequences[acceptedIndex]
        replay.insert(messageID, entry: .init(
            signedDigest: digest, sequence: acceptedSequence, expiresAtMillis: envelope.issuedAtMillis + 2 * replayWindowMillis,
            node: identity.id))

        logger.debug("publish accepted", metadata: [
            "peer.node": "\(identity.id)", "msg.id": "\(envelope.messageID)", "audit.seq": "\(acceptedSequence)",
            "recipients": "\(deliveries.count)",
        ])
    }

    /// `allow-countries=ug,ke deny-countries=tz allow-nodes=… deny-nodes=…` (only the lists given).
    private static func describe(_ restrictions: DisseminationRestrictions) -> String {
        [("allow-countries", restrictions.allowedCountries), ("deny-countries", restrictions.deniedCountries),
         ("allow-nodes", restrictions.allowedNodes), ("deny-nodes", restrictions.deniedNodes)]
            .filter { !$0.1.isEmpty }
            .map { "\($0.0)=\($0.1.sorted().joined(separator: ","))" }
            .joined(separator: " ")
    }

    private func publishEvent(_ candidate: PublishCandidate, outcome: AuditEvent.Outcome) -> AuditEvent {
        var event = AuditEvent(.publish, timeMillis: candidate.receivedAtMillis, outcome: outcome)
        event.connection = candidate.connection.id
        event.node = candidate.identity.id
        event.country = candidate.identity.country
        event.peer = candidate.identity.peer
        event.certificateFingerprint = candidate.identity.certificate.fingerprint.hex
        if let envelope = candidate.envelope?.envelope {
            event.messageID = envelope.messageID.description
            event.topic = envelope.topic
            event.noticeKind = envelope.kind
        }
        return event
    }
}

/// What every recipient of one accepted notice is sent (the per-connection parts are added by the
/// connection: its delivery number and its matching subscription ids).
struct DeliveryMessage: Sendable {
    let envelope: [UInt8]
    let messageID: MessageID
    let originNode: String
    let receivedAtMillis: Int64
    let certificateFingerprint: [UInt8]
    let auditSequence: UInt64
}

/// What a reload means for one registered connection.
enum ReloadVerdict: Sendable {
    /// The session may not go on.
    case end(SessionEnd)
    /// It goes on with `identity` (new permissions); these subscriptions were withdrawn.
    case keep(NodeIdentity, withdrawn: [(id: UInt32, filter: TopicFilter, reason: String)])
}
