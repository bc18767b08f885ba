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

    /// Sends a publish's answer to its connection, then the notice to each recipient (from the
    /// audit completion): one lookup for the lot, the answer first.
    func answerAndDeliver(_ answer: Frame, to publisher: UInt64, _ message: DeliveryMessage,
                          to recipients: [RoutingDecision.Recipient]) {
        let (origin, targets) = connections.withLock { connections in
            (connections[publisher], recipients.map { (connections[$0.connection], $0.subscriptionIDs) })
        }
        origin?.send(answer)
        for case let (connection?, subscriptionIDs) in targets {
            connection.deliver(message, subscriptionIDs: subscriptionIDs)
        }
    }
}
