import NexSync

/// Every live connection, handshaking or open: for shutdown and checkpoint broadcasts.
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
}
