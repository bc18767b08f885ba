import Dispatch
import NexAudit
import NexBroker
import NexWire

/// Re-evaluation of a live session after a reload (connection queue): a node that is revoked,
/// removed from the roster or given another role or country is disconnected; otherwise it keeps
/// its session under its new permissions, and subscriptions those no longer cover are withdrawn.
extension Connection {
    /// Applies the broker's verdict on this session after a reload (from any queue).
    func apply(_ verdict: ReloadVerdict) {
        queue.async {
            guard self.session.isEstablished, self.identity != nil else { return }
            switch verdict {
            case .end(let end):
                self.disconnectAfterReload(end)
            case .keep(let settings, let withdrawn):
                self.adopt(settings)
                if !withdrawn.isEmpty { self.withdrawSubscriptions(withdrawn) }
            }
        }
    }

    /// Re-evaluates a connection the broker did not know at the reload (from any queue).
    func reevaluate(under settings: DaemonSettings) {
        queue.async { self.applyReloadedSettings(settings) }
    }

    private func applyReloadedSettings(_ settings: DaemonSettings) {
        adopt(settings)
        // A connection still in its handshake is judged when it completes.
        guard session.isEstablished, let identity else { return }
        if let end = settings.sessionEnd(for: identity) {
            disconnectAfterReload(end)
            return
        }
        let broker = context.broker
        let connectionID = id
        broker.queue.async {
            let withdrawn = broker.withdrawDisallowedSubscriptions(of: connectionID)
            if !withdrawn.isEmpty { self.queue.async { self.withdrawSubscriptions(withdrawn) } }
        }
    }

    /// Takes `settings` as this connection's generation, unless it already has a newer one.
    private func adopt(_ settings: DaemonSettings) {
        if settings.generation > self.settings.generation { self.settings = settings }
    }

    /// The broker already removed these subscriptions: forget them here (only if the id still
    /// names the same filter — the node may have re-used it meanwhile), record why and tell the
    /// node with a SUBNACK for the subscription id (docs/PROTOCOL.md). Connection queue.
    private func withdrawSubscriptions(_ withdrawn: [WithdrawnSubscription]) {
        for subscription in withdrawn {
            guard session.isEstablished, subscriptions[subscription.id] == subscription.filter else { continue }
            withdrawSubscription(subscription.id, filter: subscription.filter, code: .permissionDenied,
                                 reason: "permission-revoked", detail: "withdrawn after a reload: \(subscription.reason)")
        }
        flush()
    }

    private func disconnectAfterReload(_ end: SessionEnd) {
        logger.warning("node disconnected after reload", metadata: ["reason": "\(end.reason)"])
        perform(session.end(SessionEnding(afterReload: end)))
    }
}

/// Shutdown (connection queue).
extension Connection {
    /// Tells an identified node that nexd is stopping (error frame `shutting-down`), then closes
    /// once that frame has left. Connections still in their handshake are simply closed.
    func sayGoodbye() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard identity != nil else { return }
        perform(session.end(SessionEnding(code: "shutdown", detail: "nexd is stopping",
                                       errorCode: .shuttingDown, errorReason: "nexd is shutting down; reconnect later")))
    }

    /// Whether a goodbye frame is still waiting for the socket.
    var hasPendingGoodbye: Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        return session.isClosing
    }
}
