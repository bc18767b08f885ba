import NexAudit
import NexBroker

/// A notice kept in inboxes until their nodes receipt it: the acceptance record's sequence and what
/// a delivery of it carries (stored once however many inboxes keep it).
struct InboxEntry: Sendable {
    let message: DeliveryMessage
    /// When nexd accepted it (Unix ms): its age counts from here.
    let acceptedAtMillis: Int64
    /// The acceptance record's audit sequence: entries are kept, and delivered, in its order.
    var sequence: UInt64 { message.auditSequence }
    /// What the entry counts against `limits.inboxBytesPerNode`: the envelope's size.
    var bytes: Int { message.envelope.count }
}

/// The bounds of each node's inboxes, over all of them (config keys `limits.inbox…`).
struct InboxLimits: Sendable, Equatable {
    var messagesPerNode: Int
    var bytesPerNode: Int
    /// Over every inbox of every node, each envelope counted once (`limits.inboxBytesTotal`).
    var bytesTotal: Int = 1 << 30
    var maxAgeMillis: Int64
    var inboxesPerNode: Int
}

/// Every durable inbox, as a value (no I/O, no clock, no queue): which inboxes exist and with which
/// filter, the entries each keeps (in acceptance order) until the node receipts them, which
/// connection each is attached to, and the bounds. The broker owns one on its queue; the audit log
/// is the durable copy (route, subscribe and inbox records), from which start-up rebuilds it.
struct InboxBook: Sendable {
    /// Where a durable subscription is attached.
    struct Attachment: Sendable, Equatable {
        let connection: UInt64
        let subscriptionID: UInt32
    }

    /// One inbox's state: the acceptance sequences of its entries (the entries themselves are
    /// stored once for every inbox that keeps them: a notice for 1,000 posts is one envelope).
    struct Inbox: Sendable {
        let filter: TopicFilter
        /// Kept entries' sequences, oldest first, from `start` (compacted now and then).
        fileprivate var sequences: [UInt64] = []
        fileprivate var start = 0
        fileprivate(set) var attachment: Attachment?
        /// Dropped since the node last attached, and why (the bounds, in the order first hit).
        fileprivate(set) var expiredSinceAttach: UInt32 = 0
        fileprivate(set) var expiredWhy: [String] = []

        /// The sequences of the entries waiting, oldest first.
        var waitingSequences: ArraySlice<UInt64> { sequences[start...] }
        var waitingCount: Int { sequences.count - start }
    }

    /// Entries dropped by a bound, to be recorded (`inbox expired`) in one append.
    struct Expiry: Sendable, Equatable {
        let key: InboxKey
        let messageIDs: [String]
        /// The bound: `limits.inboxMessagesPerNode`, `limits.inboxBytesPerNode`, `limits.inboxBytesTotal`
        /// or `limits.inboxMaxAgeSeconds`.
        let bound: String
    }

    /// The outcome of defining (or finding) an inbox.
    enum Definition: Equatable {
        case created
        case existing
        /// The inbox exists with another filter: its filter is fixed by its first durable subscription.
        case filterMismatch(existing: String)
        /// The node already has `limits.inboxesPerNode` inboxes.
        case tooMany(limit: Int)
    }

    private(set) var inboxes: [InboxKey: Inbox] = [:]
    /// Every kept entry once, by acceptance sequence, with how many inboxes keep it.
    private var stored: [UInt64: (entry: InboxEntry, references: Int)] = [:]
    /// The bytes of the envelopes in ``stored``, each once (against `limits.inboxBytesTotal`).
    private(set) var storedBytes = 0
    /// The entries kept (each once, however many inboxes keep it).
    var storedEntries: Int { stored.count }
    private var table = SubscriptionTable<InboxKey>()
    private var perNode: [String: (messages: Int, bytes: Int)] = [:]
    /// Each node's inboxes (at most `limits.inboxesPerNode`), so a node's bounds never scan them all.
    private var keysByNode: [String: [InboxKey]] = [:]
    /// Attached inboxes by connection and subscription id (the inverse of each inbox's attachment).
    private var byConnection: [UInt64: [UInt32: InboxKey]] = [:]
    var limits: InboxLimits

    init(limits: InboxLimits) {
        self.limits = limits
    }

    // MARK: - Definitions and attachments

    /// Defines inbox `key` with `filter`, or finds it (its filter must be the same). At start-up
    /// (`ignoringLimit`) the inboxes the log describes are all defined, even past a
    /// `limits.inboxesPerNode` lowered since: what they keep is not lost to a config change.
    mutating func define(_ key: InboxKey, filter: TopicFilter, ignoringLimit: Bool = false) -> Definition {
        if let inbox = inboxes[key] {
            return inbox.filter == filter ? .existing : .filterMismatch(existing: inbox.filter.description)
        }
        guard ignoringLimit || keysByNode[key.node, default: []].count < limits.inboxesPerNode else {
            return .tooMany(limit: limits.inboxesPerNode)
        }
        inboxes[key] = Inbox(filter: filter)
        keysByNode[key.node, default: []].append(key)
        _ = table.insert(filter, subscriber: key, subscriptionID: 0)
        return .created
    }

    /// Attaches `key` to a connection's durable subscription: returns the attachment it replaced
    /// (another connection of the node; that one must be told) and the entries waiting, oldest
    /// first, which the new attachment is sent before any new traffic. Resets the expiry count.
    mutating func attach(_ key: InboxKey, to attachment: Attachment) -> (replaced: Attachment?, backlog: [InboxEntry], expired: UInt32, why: [String])? {
        guard var inbox = inboxes[key] else { return nil }
        let replaced = inbox.attachment == attachment ? nil : inbox.attachment
        let result = (replaced, waiting(inbox), inbox.expiredSinceAttach, inbox.expiredWhy)
        if let previous = inbox.attachment { byConnection[previous.connection]?[previous.subscriptionID] = nil }
        inbox.attachment = attachment
        inbox.expiredSinceAttach = 0
        inbox.expiredWhy = []
        inboxes[key] = inbox
        byConnection[attachment.connection, default: [:]][attachment.subscriptionID] = key
        return result
    }

    /// Removes inbox `key`, which its first attach defined but could not record (the audit log
    /// failed): with no durable `subscribe` record it would not survive a restart either.
    mutating func undefine(_ key: InboxKey) {
        guard let inbox = inboxes.removeValue(forKey: key) else { return }
        for sequence in inbox.waitingSequences { release(sequence, of: key.node) }
        if let attachment = inbox.attachment { byConnection[attachment.connection]?[attachment.subscriptionID] = nil }
        keysByNode[key.node]?.removeAll { $0 == key }
        _ = table.remove(subscriber: key, subscriptionID: 0)
    }

    /// Start-up: `count` entries of `key` were dropped since its node last attached, by `bounds`
    /// (from the log), so the next attach reports them.
    mutating func noteExpiredSinceAttach(_ key: InboxKey, count: UInt32, bounds: [String]) {
        guard count > 0, inboxes[key] != nil else { return }
        inboxes[key]!.expiredSinceAttach = count
        inboxes[key]!.expiredWhy = bounds
    }

    /// Detaches `key` if it is attached to `connection` (an unsubscribe, or the connection closed).
    mutating func detach(_ key: InboxKey, from connection: UInt64) {
        guard let attachment = inboxes[key]?.attachment, attachment.connection == connection else { return }
        inboxes[key]?.attachment = nil
        byConnection[connection]?[attachment.subscriptionID] = nil
        if byConnection[connection]?.isEmpty == true { byConnection[connection] = nil }
    }

    /// Detaches every inbox attached to `connection`.
    mutating func detachAll(from connection: UInt64) {
        for key in (byConnection.removeValue(forKey: connection) ?? [:]).values { inboxes[key]?.attachment = nil }
    }

    /// The inboxes attached to `connection`, by subscription id.
    func attached(to connection: UInt64) -> [UInt32: InboxKey] {
        byConnection[connection] ?? [:]
    }

    // MARK: - Entries

    /// The inboxes whose filter matches `topic`, in key order.
    func matching(_ topic: Topic) -> [InboxKey] {
        table.matches(for: topic).keys.sorted()
    }

    /// Keeps `entry` in `key` (its sequence above every kept one).
    mutating func append(_ entry: InboxEntry, to key: InboxKey) {
        guard inboxes[key] != nil else { return }
        inboxes[key]!.sequences.append(entry.sequence)
        if stored[entry.sequence] == nil { storedBytes += entry.bytes }
        stored[entry.sequence, default: (entry, 0)].references += 1
        perNode[key.node, default: (0, 0)].messages += 1
        perNode[key.node, default: (0, 0)].bytes += entry.bytes
    }

    /// The node received every entry of `key` up to `through` (its cursor): they are forgotten.
    /// Returns how many were.
    @discardableResult
    mutating func receipted(_ key: InboxKey, through: UInt64) -> Int {
        guard var inbox = inboxes[key] else { return 0 }
        var removed = 0
        while inbox.start < inbox.sequences.count, inbox.sequences[inbox.start] <= through {
            release(inbox.sequences[inbox.start], of: key.node)
            inbox.start += 1
            removed += 1
        }
        compact(&inbox)
        inboxes[key] = inbox
        return removed
    }

    /// Forgets the entries of `key` with these message ids (an `expired` record read at start-up).
    mutating func remove(_ messageIDs: Set<String>, from key: InboxKey) {
        guard !messageIDs.isEmpty, var inbox = inboxes[key] else { return }
        var kept: [UInt64] = []
        for sequence in inbox.waitingSequences {
            if let entry = stored[sequence]?.entry, messageIDs.contains(entry.message.messageID.description) {
                release(sequence, of: key.node)
            } else {
                kept.append(sequence)
            }
        }
        inbox.sequences = kept
        inbox.start = 0
        inboxes[key] = inbox
    }

    /// Drops the node's oldest entries (over all its inboxes) until it is within its count and
    /// byte bounds; returns what was dropped.
    mutating func enforceBounds(of node: String) -> [Expiry] {
        var dropped: [InboxKey: [String]] = [:]
        var bound: [InboxKey: String] = [:]
        while let usage = perNode[node], usage.messages > limits.messagesPerNode || usage.bytes > limits.bytesPerNode {
            let reason = usage.messages > limits.messagesPerNode ? "limits.inboxMessagesPerNode" : "limits.inboxBytesPerNode"
            guard let key = oldestInbox(of: node) else { break }
            let entry = dropOldest(key, why: reason)
            dropped[key, default: []].append(entry.message.messageID.description)
            if bound[key] == nil { bound[key] = reason }
        }
        return dropped.keys.sorted().map { Expiry(key: $0, messageIDs: dropped[$0]!, bound: bound[$0]!) }
    }

    /// Past `limits.bytesTotal`: the entry `sequence`, just appended, is not kept in `keys` (the
    /// inboxes of nodes that are away); returns what was dropped.
    mutating func enforceTotalBound(newest sequence: UInt64, in keys: [InboxKey]) -> [Expiry] {
        guard storedBytes > limits.bytesTotal else { return [] }
        let bound = "limits.inboxBytesTotal"
        var expiries: [Expiry] = []
        for key in keys {
            guard var inbox = inboxes[key], inbox.waitingSequences.last == sequence, let entry = stored[sequence]?.entry else { continue }
            inbox.sequences.removeLast()
            inbox.expiredSinceAttach &+= 1
            if !inbox.expiredWhy.contains(bound) { inbox.expiredWhy.append(bound) }
            release(sequence, of: key.node)
            compact(&inbox)
            inboxes[key] = inbox
            expiries.append(Expiry(key: key, messageIDs: [entry.message.messageID.description], bound: bound))
        }
        return expiries
    }

    /// ``enforceBounds(of:)`` for every node that has inboxes (start-up).
    mutating func enforceBoundsOfEveryNode() -> [Expiry] {
        keysByNode.keys.sorted().flatMap { enforceBounds(of: $0) }
    }

    /// Drops every entry accepted before `nowMillis − limits.maxAgeMillis`; returns what was dropped.
    mutating func expireByAge(nowMillis: Int64) -> [Expiry] {
        let oldest = nowMillis - limits.maxAgeMillis
        var expiries: [Expiry] = []
        for key in inboxes.keys.sorted() {
            var ids: [String] = []
            while let first = inboxes[key]!.waitingSequences.first, let entry = stored[first]?.entry, entry.acceptedAtMillis < oldest {
                ids.append(dropOldest(key, why: "limits.inboxMaxAgeSeconds").message.messageID.description)
            }
            if !ids.isEmpty { expiries.append(Expiry(key: key, messageIDs: ids, bound: "limits.inboxMaxAgeSeconds")) }
        }
        return expiries
    }

    /// Entries waiting for `node`, per inbox.
    func usage(of node: String) -> (messages: Int, bytes: Int) {
        perNode[node] ?? (0, 0)
    }

    private func oldestInbox(of node: String) -> InboxKey? {
        (keysByNode[node] ?? []).compactMap { key in inboxes[key]?.waitingSequences.first.map { (key, $0) } }
            .min { $0.1 < $1.1 }?.0
    }

    private mutating func dropOldest(_ key: InboxKey, why: String) -> InboxEntry {
        var inbox = inboxes[key]!
        let sequence = inbox.sequences[inbox.start]
        let entry = stored[sequence]!.entry
        inbox.start += 1
        inbox.expiredSinceAttach &+= 1
        if !inbox.expiredWhy.contains(why) { inbox.expiredWhy.append(why) }
        release(sequence, of: key.node)
        compact(&inbox)
        inboxes[key] = inbox
        return entry
    }

    /// The entries waiting in `inbox`, oldest first.
    func waiting(_ inbox: Inbox) -> [InboxEntry] {
        inbox.waitingSequences.compactMap { stored[$0]?.entry }
    }

    /// One inbox of `node` no longer keeps entry `sequence`: its bounds are freed, and the entry
    /// is forgotten once no inbox keeps it.
    private mutating func release(_ sequence: UInt64, of node: String) {
        guard let kept = stored[sequence] else { return }
        perNode[node, default: (0, 0)].messages -= 1
        perNode[node, default: (0, 0)].bytes -= kept.entry.bytes
        if kept.references <= 1 {
            stored[sequence] = nil
            storedBytes -= kept.entry.bytes
        } else {
            stored[sequence]!.references -= 1
        }
    }

    private func compact(_ inbox: inout Inbox) {
        if inbox.start == inbox.sequences.count {
            inbox.sequences.removeAll(keepingCapacity: inbox.sequences.count < 4096)
            inbox.start = 0
        } else if inbox.start > 1024, inbox.start * 2 > inbox.sequences.count {
            inbox.sequences.removeFirst(inbox.start)
            inbox.start = 0
        }
    }
}
