import Dispatch
import NexAudit
import NexBroker
import NexWire

/// Subscribe and unsubscribe (connection queue): admission, the records, the broker's copy, and
/// withdrawals when the rules in force no longer allow a subscription.
extension Connection {
    /// Admits a subscription (audit log writable, valid filter, permitted, id free, within the
    /// per-connection and per-node limits and the node's subscribe rate), records it, and answers
    /// with a SUBACK once the broker routes it; otherwise a SUBNACK saying why.
    func handleSubscribe(_ subscribe: Subscribe) {
        let subscriptionID = subscribe.subscriptionID
        guard let (filter, _) = admitSubscription(subscriptionID, filterText: subscribe.filter) else { return }
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

    /// The checks every subscribe passes (audit log writable, valid filter, permitted, id free,
    /// within the per-connection and per-node limits and the node's subscribe rate). On success
    /// the node's slot is taken; otherwise the subscribe is refused (recorded, SUBNACK) and nil.
    func admitSubscription(_ subscriptionID: UInt32, filterText: String) -> (TopicFilter, NodeIdentity)? {
        if let failure = context.audit.failure {
            refuseSubscription(subscriptionID, filterText: filterText, .auditUnavailable,
                               "the audit log cannot be written (\(failure.code.rawValue)); no new subscriptions")
            return nil
        }
        let filter: TopicFilter
        do {
            filter = try TopicFilter(validating: filterText)
        } catch {
            refuseSubscription(subscriptionID, filterText: filterText, .invalidFilter, error.reason)
            return nil
        }
        // The rules in force now: a reload may have changed them before this connection's identity
        // was re-evaluated.
        let permissions = identity.map { context.settings.permissions(of: $0.id) }
        if case .denied(let reason) = permissions?.allowsSubscribe(to: filter) ?? .denied("not identified") {
            refuseSubscription(subscriptionID, filterText: filterText, .permissionDenied,
                               "\(identity?.id ?? "?") (\(identity?.role.rawValue ?? "?")): \(reason)")
            return nil
        }
        guard subscriptions[subscriptionID] == nil else {
            refuseSubscription(subscriptionID, filterText: filterText, .duplicateSubscription,
                               "subscription id \(subscriptionID) is already in use on this connection")
            return nil
        }
        let limit = context.limits.maxSubscriptionsPerConnection
        guard subscriptions.count < limit else {
            refuseSubscription(subscriptionID, filterText: filterText, .tooManySubscriptions, "at most \(limit) subscriptions per connection")
            return nil
        }
        // Across all the node's connections, so more connections do not mean more subscriptions.
        let perNode = context.limits.maxSubscriptionsPerNode
        guard let identity, context.nodeSubscriptions.admit(identity.id, limit: perNode) else {
            refuseSubscription(subscriptionID, filterText: filterText, .tooManySubscriptions,
                               "at most \(perNode) subscriptions per node over all its connections (limits.maxSubscriptionsPerNode)")
            return nil
        }
        // Each accepted subscribe (and the unsubscribe it allows) is an audit record: the node's
        // rate bounds what churn can add to the log (D35). Unsubscribes are never refused.
        let rate = context.limits.subscribesPerSecondPerNode
        guard context.subscribeRate.admit(identity.id, ratePerSecond: rate, burst: perNode,
                                          nowNanos: DispatchTime.now().uptimeNanoseconds) else {
            context.nodeSubscriptions.release(identity.id)
            refuseSubscription(subscriptionID, filterText: filterText, .overloaded,
                               "\(identity.id) is over its subscribe rate (limits.subscribesPerSecondPerNode \(rate)/s, burst \(perNode)); retry later")
            return nil
        }
        return (filter, identity)
    }

    /// Refuses a subscribe: recorded (or, past the per-node limit of the interval, only counted:
    /// a summary record says how many) and answered with a SUBNACK either way.
    func refuseSubscription(_ subscriptionID: UInt32, filterText: String, _ code: WireErrorCode, _ reason: String) {
        let node = identity?.id ?? RefusalAggregator.address(of: peer)
        switch context.refusals.note(.subscribe, reason: code.name, node: node) {
        case .record:
            auditSubscription(.subscribe, subscriptionID, filter: filterText, outcome: .refused, reason: code.name, detail: reason)
        case .count(let isFirstSuppressed):
            if isFirstSuppressed {
                logger.warning("refusal flood: further refused subscribes from this node are counted, not recorded one by one",
                               metadata: ["peer.node": "\(node)", "reason": "\(code.name)"])
            }
        }
        enqueue(.subnack(SubscribeNack(subscriptionID: subscriptionID, code: code, reason: reason)))
    }

    /// Forgets a subscription, records it and answers with an UNSUBACK once the broker no longer
    /// routes it (a SUBNACK when the id is unknown).
    func handleUnsubscribe(_ subscriptionID: UInt32) {
        let inbox = durableInboxes.removeValue(forKey: subscriptionID)   // a durable one detaches its inbox at the broker
        durableSubscriptionEnded(subscriptionID, inbox: inbox)
        heldDeliveries.removeSubscription(subscriptionID)
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
    func auditSubscription(_ kind: AuditEvent.Kind, _ subscriptionID: UInt32, filter: String?,
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
        guard session.isEstablished, subscriptions[subscriptionID] == filter else { return }
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
        let inbox = durableInboxes.removeValue(forKey: subscriptionID)
        durableSubscriptionEnded(subscriptionID, inbox: inbox)
        heldDeliveries.removeSubscription(subscriptionID)
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
        guard session.isEstablished, subscriptions[subscriptionID] == filter else { return }
        subscriptions[subscriptionID] = nil
        heldDeliveries.removeSubscription(subscriptionID)
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
}
