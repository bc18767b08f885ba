import Dispatch
import Logging
import NexAudit
import NexBroker
import NexCrypto
import NexNotices
import NexSync
import NexWire

/// The broker: judges each publish by the settings in force, keeps the replay cache, the
/// subscription table and what routing needs to know of each subscriber, and hands every decision
/// to the commit stage. It knows connections only by id.
///
/// All state is confined to `queue` (serial). Hop order, never reversed:
/// connection queue → verification pool → **broker queue** → audit writer → connection queues.
/// Routing is decided in NexBroker (``RoutingDecision``); ``PublishCommit`` records it and, from
/// the audit completion, answers and delivers, so nothing is acknowledged or delivered before it
/// is durable.
final class Broker: @unchecked Sendable {
    /// At the message path's QoS, like the stages that feed it: never below them (D77).
    let queue = DispatchQueue(label: "nex.broker", qos: MessagePath.qos)
    /// Whether urgent notices flow: marked by each urgent acceptance; connections then keep fewer
    /// publishes in flight (D68).
    let urgentHeadroom = UrgentHeadroom()
    let replayWindowMillis: Int64
    var replay: ReplayCache
    var certificates: CertificateStore
    var subscriptions = SubscriptionTable<UInt64>()
    /// Registered sessions by connection id: the identity each was accepted with.
    var sessions: [UInt64: NodeIdentity] = [:]
    /// What routing knows of each registered session: its node, country and permissions under
    /// ``settings``. Derived, never edited: made at registration and made anew from the new
    /// settings at the point of the queue where a reload changes them.
    var subscribers: [UInt64: SubscriberFacts] = [:]
    /// The settings sessions are judged by (replaced here, on the broker queue, by a reload).
    var settings: DaemonSettings
    /// Durable inboxes: what nexd keeps for nodes that are away (Broker+Inbox.swift, D54).
    var inboxes: InboxBook
    /// Accepted records follow-ups may refer to (Broker+FollowUp.swift, D56).
    var registry = NoticeRegistry()
    /// Connections on which the capability `lifecycle.1` is in effect (D57).
    var lifecycleConnections: Set<UInt64> = []
    /// Applies the inboxes' age bound once a minute (``startInboxExpiry()``).
    var inboxExpiryTimer: DispatchSourceTimer?
    /// Signs nexd's `expire` follow-ups with the audit key; nil without one (then `expires_at` is refused, D61).
    var expirySigner: ExpirySigner?
    /// Sends the `expire` of each record whose `expires_at` passed, once a second (``startRecordExpiry()``).
    var recordExpiryTimer: DispatchSourceTimer?
    /// Records decisions, answers and delivers.
    let commit: PublishCommit
    /// Reload records are appended at exactly the point of the queue where the settings change.
    let audit: AuditLog
    /// Re-sends answered with the original ACK, charged per node here; checked before verification (D45).
    let duplicates: DuplicateBudget

    init(audit: AuditLog, auditDirectory: String, replayWindow: Duration, replayCapacity: Int, replaySharePerNode: Int,
         refusals: RefusalAggregator, settings: DaemonSettings, connections: ConnectionRegistry, metrics: DaemonMetrics, logger: Logger) {
        self.audit = audit
        self.settings = settings
        let limits = settings.configuration.limits
        self.inboxes = InboxBook(limits: InboxLimits(
            messagesPerNode: limits.inboxMessagesPerNode, bytesPerNode: limits.inboxBytesPerNode, bytesTotal: limits.inboxBytesTotal,
            maxAgeMillis: limits.inboxMaxAge.components.seconds * 1000, inboxesPerNode: limits.inboxesPerNode))
        self.replayWindowMillis = replayWindow.components.seconds * 1000
        self.replay = ReplayCache(capacity: replayCapacity, sharePerNode: replaySharePerNode,
                                  rosterSize: settings.configuration.roster.entries.count)
        self.duplicates = DuplicateBudget(ratePerSecond: settings.configuration.limits.duplicatesPerSecondPerNode,
                                          burst: settings.configuration.limits.duplicatesBurstPerNode)
        let certificates = CertificateStore(auditDirectory: auditDirectory)
        self.certificates = certificates
        self.commit = PublishCommit(audit: audit, connections: connections, refusals: refusals,
                                    certificateFiles: certificates.files, metrics: metrics, logger: logger)
    }

    // MARK: - Sessions and subscriptions (broker queue)

    /// Registers an identified session. A reload may have happened since the handshake read its
    /// settings: judged by the current ones. Returns nil when registered, else the settings that
    /// end the session (the connection's re-evaluation under them closes it).
    func register(_ connectionID: UInt64, identity: NodeIdentity) -> DaemonSettings? {
        dispatchPrecondition(condition: .onQueue(queue))
        if settings.sessionEnd(for: identity) != nil { return settings }
        sessions[connectionID] = identity
        subscribers[connectionID] = facts(of: identity)
        return nil
    }

    func unregister(_ connectionID: UInt64) {
        dispatchPrecondition(condition: .onQueue(queue))
        sessions[connectionID] = nil
        subscribers[connectionID] = nil
        subscriptions.removeAll(subscriber: connectionID)
        inboxes.detachAll(from: connectionID)
        lifecycleConnections.remove(connectionID)
    }

    /// Adds a subscription, judged again by the settings in force here (a reload may have come
    /// between the connection's check and this point); nil when added, else why not.
    func subscribe(_ connectionID: UInt64, subscriptionID: UInt32, filter: TopicFilter) -> WireError? {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let identity = sessions[connectionID], let subscriber = subscribers[connectionID] else {
            return WireError(.permissionDenied, "the session is not admitted (ended by a reload)")
        }
        if case .denied(let reason) = subscriber.permissions.allowsSubscribe(to: filter) {
            return WireError(.permissionDenied, "\(identity.id) (\(identity.role.rawValue)): \(reason)")
        }
        guard subscriptions.insert(filter, subscriber: connectionID, subscriptionID: subscriptionID) else {
            return WireError(.duplicateSubscription, "subscription id \(subscriptionID) is already in use on this connection")
        }
        return nil
    }

    func unsubscribe(_ connectionID: UInt64, subscriptionID: UInt32) -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        // A durable subscription detaches its inbox, which keeps collecting for the node.
        if let key = inboxes.attached(to: connectionID)[subscriptionID] {
            inboxes.detach(key, from: connectionID)
            return true
        }
        return subscriptions.remove(subscriber: connectionID, subscriptionID: subscriptionID)
    }

    /// What routing knows of a session of `identity` under the settings in force.
    func facts(of identity: NodeIdentity) -> SubscriberFacts {
        SubscriberFacts(node: identity.id, country: identity.country, permissions: settings.permissions(of: identity.id),
                        reviewsCompliance: identity.role == .gs)
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
}
