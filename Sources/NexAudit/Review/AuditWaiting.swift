/// What is still waiting for one node (`nex audit query --waiting NODE`): per durable inbox of the
/// node, the entries not yet receipted nor expired, from an ``InboxLedger`` of the whole log.
public struct AuditWaiting: Sendable {
    /// One waiting message.
    public struct Item: Sendable, Equatable {
        public var entry: InboxLedger.Entry
        /// The notice kind, from its accepted `publish` record (`nil` when not found).
        public var kind: String?
    }

    /// One inbox of the node.
    public struct Inbox: Sendable {
        public var key: InboxKey
        /// The filter of its last durable `subscribe`, if the log has one.
        public var filter: String?
        /// Every entry accepted at or before this sequence was received (0: none yet).
        public var cursor: UInt64
        /// Waiting entries in acceptance (delivery) order.
        public var items: [Item]
    }

    public var node: String
    /// The node's inboxes, by name.
    public var inboxes: [Inbox]
    /// How many entries wait in all.
    public var count: Int { inboxes.reduce(0) { $0 + $1.items.count } }

    /// Reads the log in `directory`. The kind of each waiting notice comes from the message index
    /// (in `indexDirectory`, updated first) or, when `usesIndex` is false, from a second scan.
    /// - Throws: ``AuditError`` when the log or the index cannot be read.
    public init(directory: String, node: String, usesIndex: Bool = true, indexDirectory: String? = nil) throws {
        self.node = node
        let ledger = try InboxLedger.read(directory: directory)
        let pending = ledger.pending(node: node)
        let ids = Set(pending.values.flatMap { $0.map(\.messageID) })
        let kinds = try Self.kinds(of: ids, directory: directory, usesIndex: usesIndex, indexDirectory: indexDirectory)
        inboxes = pending.keys.sorted().map { key in
            Inbox(key: key, filter: ledger.filter(of: key), cursor: ledger.cursor(of: key),
                  items: pending[key]!.map { Item(entry: $0, kind: kinds[$0.messageID]) })
        }
    }

    private static func kinds(of ids: Set<String>, directory: String, usesIndex: Bool, indexDirectory: String?) throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        var kinds: [String: String] = [:]
        func take(_ record: AuditRecord) {
            guard record.event == "publish", record.string("outcome") == "accepted", let id = record.string("msg"),
                  ids.contains(id), let kind = record.string("kind")
            else { return }
            kinds[id] = kind
        }
        if usesIndex {
            let index = AuditIndex(directory: directory, indexDirectory: indexDirectory)
            for id in ids { try index.records(message: id).forEach(take) }
            return kinds
        }
        let reader = AuditReader(directory: directory)
        let msgKey = Array(#","msg":""#.utf8)
        try reader.forEachLine(in: reader.segments()) { line in
            guard !line.isTorn, LineScan.event(of: line.bytes).map({ $0.elementsEqual("publish".utf8) }) == true,
                  let id = LineScan.stringValue(after: msgKey, in: line.bytes),
                  ids.contains(String(decoding: id, as: UTF8.self)),
                  let record = AuditRecord(segment: line.segment, line: line.number, bytes: Array(line.bytes))
            else { return true }
            take(record)
            return true
        }
        return kinds
    }
}
