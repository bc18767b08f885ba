import Dispatch
import NexAudit
import NexBroker
import NexWire

/// A reload at one point of the broker queue (broker queue).
extension Broker {
    /// From this point of the broker queue on, `new` judges every session. Ends the sessions it no
    /// longer allows (their queued publishes are refused, nothing more is routed to them), removes
    /// the subscriptions the others' new permissions do not cover, and appends `record` (the
    /// reload's audit record) at exactly this point. Returns, per registered connection, what it
    /// must do.
    func applyReload(_ new: DaemonSettings, record: AuditEvent) -> [UInt64: ReloadVerdict] {
        dispatchPrecondition(condition: .onQueue(queue))
        settings = new
        // The replay cache is divided anew over the new roster (unless the share is set).
        replay.sharePerNode = new.configuration.limits.replayCacheShare(rosterSize: new.configuration.roster.entries.count)
        replay.rosterSize = new.configuration.roster.entries.count
        audit.append([record])
        var verdicts: [UInt64: ReloadVerdict] = [:]
        for (connectionID, identity) in sessions {
            if let end = new.sessionEnd(for: identity) {
                sessions[connectionID] = nil
                subscribers[connectionID] = nil
                subscriptions.removeAll(subscriber: connectionID)
                inboxes.detachAll(from: connectionID)
                verdicts[connectionID] = .end(end)
                continue
            }
            subscribers[connectionID] = facts(of: identity)
            verdicts[connectionID] = .keep(new, withdrawn: withdrawDisallowedSubscriptions(of: connectionID))
        }
        return verdicts
    }

    /// After a reload: removes the subscriptions of this connection that the permissions in force
    /// here no longer allow. The broker's own settings decide (a re-evaluation posted before a
    /// newer reload must not bring back older, looser rules). Returns what was removed, and why.
    func withdrawDisallowedSubscriptions(of connectionID: UInt64) -> [WithdrawnSubscription] {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let permissions = subscribers[connectionID]?.permissions else { return [] }
        var withdrawn: [WithdrawnSubscription] = []
        for (subscriptionID, filter) in subscriptions.subscriptions(of: connectionID).sorted(by: { $0.key < $1.key }) {
            if case .denied(let reason) = permissions.allowsSubscribe(to: filter) {
                _ = subscriptions.remove(subscriber: connectionID, subscriptionID: subscriptionID)
                withdrawn.append((subscriptionID, filter, reason))
            }
        }
        // A durable subscription is detached; its inbox keeps what the node may still receive.
        for (subscriptionID, key) in inboxes.attached(to: connectionID).sorted(by: { $0.key < $1.key }) {
            guard let filter = inboxes.inboxes[key]?.filter, case .denied(let reason) = permissions.allowsSubscribe(to: filter) else { continue }
            inboxes.detach(key, from: connectionID)
            withdrawn.append((subscriptionID, filter, reason))
        }
        return withdrawn.sorted { $0.id < $1.id }
    }
}

/// A subscription a reload's permissions no longer allow: its id, filter and the denial.
typealias WithdrawnSubscription = (id: UInt32, filter: TopicFilter, reason: String)

/// What a reload means for one registered connection.
enum ReloadVerdict: Sendable {
    /// The session may not go on.
    case end(SessionEnd)
    /// It goes on under `settings` (the connection takes them as its generation); these
    /// subscriptions were withdrawn.
    case keep(DaemonSettings, withdrawn: [WithdrawnSubscription])
}
