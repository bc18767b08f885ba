import NexBroker
import NexSync
import NexWire

/// Every live connection, handshaking or open, by id: for shutdown, reloads, checkpoint
/// broadcasts, and the commit stage's answers and deliveries (which name connections by id, so
/// the broker and the pipeline hold no connection). A connection leaves once its socket is closed.
final class ConnectionRegistry: Sendable {
    private let connections = Locked<[UInt64: Connection]>([:])

    func insert(_ connection: Connection) {
        connections.withLock { $0[connection.id] = connection }
    }

    func remove(_ id: UInt64) {
        _ = connections.withLock { $0.removeValue(forKey: id) }
    }

    /// A snapshot of the live connections.
    var all: [Connection] {
        connections.withLock { Array($0.values) }
    }

    /// Sends `frame` on connection `id` (from any queue); nothing if it has closed.
    func send(_ frame: Frame, to id: UInt64) {
        connections.withLock { $0[id] }?.send(frame)
    }

    /// Sends an inbox's waiting entries on connection `id`, in order, naming its durable subscription.
    func deliver(_ messages: [DeliveryMessage], subscriptionID: UInt32, to id: UInt64) {
        guard !messages.isEmpty, let connection = connections.withLock({ $0[id] }) else { return }
        connection.deliver(messages, subscriptionID: subscriptionID)
    }

    /// Takes durable subscription `subscriptionID` (inbox `inbox`) from connection `id`: it is told
    /// with an unasked SUBNACK and stops naming it (from any queue). `unrecorded`: its attach could
    /// not be recorded (the audit log failed).
    func withdrawInbox(_ subscriptionID: UInt32, inbox: String, from id: UInt64, unrecorded: Bool = false, detail: String) {
        connections.withLock { $0[id] }?.inboxWithdrawn(subscriptionID, inbox: inbox, unrecorded: unrecorded, detail: detail)
    }

    /// Sends the notice to each recipient and the publish's answer to its connection (from the
    /// audit completion), one lookup for the lot: other connections' deliveries are posted before
    /// the answer, so a publisher that has its ACK knows every recipient connection has the
    /// delivery queued (what it sends any of them next is read after it); the publisher's own
    /// delivery, if it subscribes to the topic, follows its answer (docs/PROTOCOL.md §6.2).
    func answerAndDeliver(_ answer: Frame, to publisher: UInt64, _ message: DeliveryMessage,
                          to recipients: [RoutingDecision.Recipient]) {
        let (origin, targets) = connections.withLock { connections in
            (connections[publisher], recipients.map { ($0.connection, connections[$0.connection], $0.subscriptionIDs) })
        }
        var own: [UInt32]?
        for case let (id, connection?, subscriptionIDs) in targets {
            if id == publisher { own = subscriptionIDs; continue }
            connection.deliver(message, subscriptionIDs: subscriptionIDs)
        }
        origin?.send(answer)
        if let own { origin?.deliver(message, subscriptionIDs: own) }
    }
}
