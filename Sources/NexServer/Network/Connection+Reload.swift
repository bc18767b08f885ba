import NexAudit
import NexBroker
import NexWire

/// Re-evaluation of a live session after a reload (connection queue): a node that is revoked,
/// removed from the roster or given another role or country is disconnected; otherwise it keeps
/// its session under its new permissions, and subscriptions those no longer cover are withdrawn.
extension Connection {
    /// Applies reloaded settings to this connection (from any queue).
    func reevaluate(under settings: DaemonSettings) {
        queue.async { self.applyReloadedSettings(settings) }
    }

    private func applyReloadedSettings(_ settings: DaemonSettings) {
        // A connection still in its handshake reads the new settings when it completes.
        guard state == .open, var identity else { return }
        let certificate = identity.certificate
        if settings.isRevoked(certificate) {
            disconnectAfterReload(reason: "certificate-revoked", code: .permissionDenied,
                                  detail: "the certificate of \(identity.id) (serial \(certificate.serialNumberHex)) was revoked")
            return
        }
        guard let entry = settings.configuration.roster.entry(for: identity.id) else {
            disconnectAfterReload(reason: "removed-from-roster", code: .notInRoster, detail: "\(identity.id) is no longer on the roster")
            return
        }
        guard entry.role == identity.role, entry.country == identity.country else {
            disconnectAfterReload(reason: "roster-changed", code: .notInRoster,
                                  detail: "\(identity.id) is now \(entry.role.rawValue)/\(entry.country) (was \(identity.role.rawValue)/\(identity.country)); reconnect")
            return
        }
        identity.permissions = settings.permissions[identity.id] ?? .denyAll
        self.identity = identity
        let broker = context.broker
        let updated = identity
        broker.queue.async {
            let withdrawn = broker.applyPermissions(self.id, identity: updated)
            if !withdrawn.isEmpty { self.withdrawSubscriptions(withdrawn) }
        }
    }

    /// The broker already removed these subscriptions: forget them here, record why and tell the node
    /// with a SUBNACK for the subscription id (docs/PROTOCOL.md).
    private func withdrawSubscriptions(_ withdrawn: [(id: UInt32, filter: TopicFilter, reason: String)]) {
        queue.async {
            guard self.state == .open else { return }
            for subscription in withdrawn where self.subscriptionIDs.remove(subscription.id) != nil {
                if let node = self.identity?.id { self.context.nodeSubscriptions.release(node) }
                let detail = "withdrawn after a reload: \(subscription.reason)"
                var event = AuditEvent(.unsubscribe, timeMillis: WallClock.nowMillis(), outcome: .refused)
                event.connection = self.id
                event.node = self.identity?.id
                event.country = self.identity?.country
                event.subscriptionID = subscription.id
                event.filter = subscription.filter.description
                event.reason = "permission-revoked"
                event.detail = detail
                self.context.audit.append([event])
                self.logger.notice("subscription withdrawn after reload", metadata: [
                    "sub.id": "\(subscription.id)", "filter": "\(subscription.filter)",
                ])
                self.enqueue(.subnack(SubscribeNack(subscriptionID: subscription.id, code: .permissionDenied, reason: detail)))
            }
            self.flush()
        }
    }

    private func disconnectAfterReload(reason: String, code: WireErrorCode, detail: String) {
        logger.warning("node disconnected after reload", metadata: ["reason": "\(reason)"])
        endReason = (reason, detail)
        enqueue(.error(code: code, reason: detail))
        closeAfterFlush()
    }
}

/// Shutdown (connection queue).
extension Connection {
    /// Tells an identified node that nexd is stopping (error frame `shutting-down`), then closes
    /// once that frame has left. Connections still in their handshake are simply closed.
    func sayGoodbye() {
        guard state == .open, identity != nil else { return }
        endReason = ("shutdown", "nexd is stopping")
        enqueue(.error(code: .shuttingDown, reason: "nexd is shutting down; reconnect later"))
        closeAfterFlush()
    }

    /// Whether a goodbye frame is still waiting for the socket.
    var hasPendingGoodbye: Bool { state == .closing }
}
