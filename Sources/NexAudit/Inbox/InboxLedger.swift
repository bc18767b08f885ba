import Foundation

/// The durable inboxes the audit log describes, folded from its records in order (D54: an inbox
/// is a per-node cursor and an index into the log, not a second store; docs/AUDIT.md §Inboxes).
///
/// Per inbox it knows the filter (from the last accepted durable `subscribe`), the cursor (the
/// last `inbox receipted` `through`) and the pending entries: every notice a `route` record queued
/// for it (`queued`) or delivered with an entry of it (`recipients[].inboxes`), minus those at or
/// below the cursor and those an `inbox expired` record (or its continuations) dropped.
///
/// A pure value: nexd feeds it every record of every segment at start-up to rebuild its inboxes
/// after a restart or a crash, and `nex audit` reads answers from it. Records of other events are
/// skipped after one comparison; ``apply(line:)`` skips them without parsing.
public struct InboxLedger: Sendable {
    /// What the ledger holds for one inbox.
    struct InboxState: Sendable {
        var filter: String?
        var cursor: UInt64 = 0
        /// Entries in acceptance order; those before `head` are gone (receipted or expired).
        var entries: [Entry] = []
        var head = 0
        /// Entries dropped since the last accepted durable `subscribe`, and the bounds that did it.
        var expiredSinceAttach = 0
        var expiryBounds: [String] = []

        var pending: ArraySlice<Entry> { entries[head...] }

        /// Drops the entries before `head` once they are most of the array.
        mutating func compact() {
            guard head > 1024, head * 2 > entries.count else { return }
            entries.removeFirst(head)
            head = 0
        }
    }

    var inboxes: [InboxKey: InboxState] = [:]
    /// Histories by message id (only for messages in ``historyScope``).
    var histories: [String: [History]] = [:]
    /// Per inbox, the (acceptance sequence, message id) of every history made, in acceptance order.
    var historyOrder: [InboxKey: [(sequence: UInt64, messageID: String)]] = [:]
    let historyScope: HistoryScope
    /// The bound and inbox of the `inbox expired` record whose continuations may follow.
    var expiryInProgress: (key: InboxKey, bound: String?)?

    /// An empty ledger that keeps histories of the messages in `historyScope` (none by default:
    /// nexd needs only what is pending).
    public init(keepingHistoryOf historyScope: HistoryScope = .none) {
        self.historyScope = historyScope
    }

    // MARK: Answers

    /// Every inbox the ledger knows, with its pending entries in acceptance order (possibly none).
    public var allPending: [InboxKey: [Entry]] {
        inboxes.mapValues { Array($0.pending) }
    }

    /// The inboxes of `node`, with their pending entries in acceptance order (possibly none).
    public func pending(node: String) -> [InboxKey: [Entry]] {
        inboxes.filter { $0.key.node == node }.mapValues { Array($0.pending) }
    }

    /// The filter of the inbox's last accepted durable `subscribe`, or `nil` if none was seen.
    public func filter(of inbox: InboxKey) -> String? {
        inboxes[inbox]?.filter
    }

    /// How many entries the inbox dropped since its node last attached, and the bounds that did
    /// it (the `detail` of the `expired` records, in the order first seen): what the next attach
    /// reports.
    public func expiredSinceAttach(of inbox: InboxKey) -> (count: Int, bounds: [String]) {
        guard let state = inboxes[inbox] else { return (0, []) }
        return (state.expiredSinceAttach, state.expiryBounds)
    }

    /// The inbox's cursor: every entry accepted at or before this sequence was received (0: none).
    public func cursor(of inbox: InboxKey) -> UInt64 {
        inboxes[inbox]?.cursor ?? 0
    }

    /// What became of `messageID` in each inbox that held it, by inbox; empty unless the ledger
    /// keeps that message's history (``init(keepingHistoryOf:)``).
    public func history(of messageID: String) -> [History] {
        (histories[messageID] ?? []).sorted { $0.inbox < $1.inbox }
    }

    // MARK: Folding

    /// Folds one record in; records must come in log order. Records that say nothing about
    /// inboxes are ignored.
    public mutating func apply(_ record: AuditRecord) {
        switch record.event {
        case "route": applyRoute(record)
        case "subscribe": applySubscribe(record)
        case "inbox": applyInboxEvent(record)
        case "continuation": applyContinuation(record)
        default: break
        }
    }

    private mutating func applySubscribe(_ record: AuditRecord) {
        guard let name = record.string("inbox"), let node = record.string("node"),
              record.string("outcome") == "accepted"
        else { return }
        let key = InboxKey(node: node, name: name)
        inboxes[key, default: InboxState()].filter = record.string("filter")
        inboxes[key]!.expiredSinceAttach = 0
        inboxes[key]!.expiryBounds = []
    }

    private mutating func applyRoute(_ record: AuditRecord) {
        let queued = record.objects("queued")
        let live = record.objects("recipients").filter { $0["inboxes"] != nil }
        guard !queued.isEmpty || !live.isEmpty, let sequence = record.sequence, sequence > 1, let id = record.string("msg")
        else { return }
        // A route record directly follows its acceptance, in the same append (docs/AUDIT.md §Inboxes).
        let acceptance = record.integer("ref").flatMap(UInt64.init(exactly:)) ?? sequence - 1
        let time = record.timeMillis ?? 0
        let entry = Entry(acceptanceSequence: acceptance, messageID: id, acceptedAtMillis: time, topic: record.string("topic"))
        for object in queued {
            guard let node = object["node"] as? String, let name = object["inbox"] as? String else { continue }
            add(entry, to: InboxKey(node: node, name: name), route: sequence, delivery: nil)
        }
        for recipient in live {
            guard let node = recipient["node"] as? String, let names = recipient["inboxes"] as? [String] else { continue }
            let delivery = Delivery(timeMillis: time, connection: (recipient["conn"] as? NSNumber)?.uint64Value,
                                    record: sequence, isRedelivery: false)
            for name in names { add(entry, to: InboxKey(node: node, name: name), route: sequence, delivery: delivery) }
        }
    }

    private mutating func add(_ entry: Entry, to key: InboxKey, route: UInt64, delivery: Delivery?) {
        var state = inboxes[key] ?? InboxState()
        guard entry.acceptanceSequence > state.cursor else { return }
        state.entries.append(entry)
        inboxes[key] = state
        guard historyScope.includes(entry.messageID) else { return }
        var history = History(inbox: key, acceptanceSequence: entry.acceptanceSequence, messageID: entry.messageID,
                              queuedAtMillis: entry.acceptedAtMillis, routeRecord: route, wasQueuedOffline: delivery == nil)
        if let delivery { history.deliveries.append(delivery) }
        histories[entry.messageID, default: []].append(history)
        historyOrder[key, default: []].append((entry.acceptanceSequence, entry.messageID))
    }

    private mutating func applyInboxEvent(_ record: AuditRecord) {
        guard let node = record.string("node"), let name = record.string("inbox") else { return }
        let key = InboxKey(node: node, name: name)
        let time = record.timeMillis ?? 0
        let sequence = record.sequence ?? 0
        let connection = record.integer("conn").flatMap(UInt64.init(exactly:))
        expiryInProgress = nil
        switch record.string("reason") {
        case "redelivered":
            guard let from = record.integer("from").flatMap(UInt64.init(exactly:)),
                  let through = record.integer("through").flatMap(UInt64.init(exactly:)), from <= through
            else { return }
            let delivery = Delivery(timeMillis: time, connection: connection, record: sequence, isRedelivery: true)
            updateHistories(key, in: from...through) { history in
                guard history.receiptedAtMillis == nil, history.expiredAtMillis == nil else { return }
                history.deliveries.append(delivery)
            }
        case "receipted":
            guard let through = record.integer("through").flatMap(UInt64.init(exactly:)) else { return }
            var state = inboxes[key] ?? InboxState()
            var passed = state.head
            while passed < state.entries.count, state.entries[passed].acceptanceSequence <= through { passed += 1 }
            let range = state.head < passed ? state.entries[state.head].acceptanceSequence...through : nil
            state.head = passed
            state.cursor = max(state.cursor, through)
            state.compact()
            inboxes[key] = state
            if let range {
                updateHistories(key, in: range) { history in
                    guard history.receiptedAtMillis == nil, history.expiredAtMillis == nil else { return }
                    history.receiptedAtMillis = time
                    history.receiptConnection = connection
                    history.receiptRecord = sequence
                }
            }
        case "expired":
            let bound = record.string("detail")
            expire(record.strings("missed"), from: key, atMillis: time, bound: bound, record: sequence)
            if record.integer("parts") != nil { expiryInProgress = (key, bound) }
        default:
            break
        }
    }

    private mutating func applyContinuation(_ record: AuditRecord) {
        guard let name = record.string("inbox"), let node = record.string("node"),
              let progress = expiryInProgress, progress.key == InboxKey(node: node, name: name)
        else { return }
        expire(record.strings("missed"), from: progress.key, atMillis: record.timeMillis ?? 0, bound: progress.bound,
               record: record.sequence ?? 0)
        if record.integer("part") == record.integer("parts") { expiryInProgress = nil }
    }

    /// Removes the entries of `ids` from the inbox. Bounds drop the oldest entries first, so an
    /// id is nearly always at the head.
    private mutating func expire(_ ids: [String], from key: InboxKey, atMillis time: Int64, bound: String?, record: UInt64) {
        guard var state = inboxes[key] else { return }
        for id in ids {
            guard let index = state.entries[state.head...].firstIndex(where: { $0.messageID == id }) else { continue }
            let entry = state.entries[index]
            if index == state.head { state.head += 1 } else { state.entries.remove(at: index) }
            state.expiredSinceAttach += 1
            if let bound, !state.expiryBounds.contains(bound) { state.expiryBounds.append(bound) }
            guard historyScope.includes(id) else { continue }
            updateHistories(key, in: entry.acceptanceSequence...entry.acceptanceSequence) { history in
                history.expiredAtMillis = time
                history.expiryBound = bound
                history.expiryRecord = record
            }
        }
        state.compact()
        inboxes[key] = state
    }

    /// Applies `change` to the histories of the inbox's entries accepted within `range`.
    private mutating func updateHistories(_ key: InboxKey, in range: ClosedRange<UInt64>, _ change: (inout History) -> Void) {
        guard let made = historyOrder[key] else { return }
        var low = 0, high = made.count
        while low < high {
            let middle = (low + high) / 2
            if made[middle].sequence < range.lowerBound { low = middle + 1 } else { high = middle }
        }
        for (sequence, id) in made[low...] {
            guard sequence <= range.upperBound else { break }
            guard var list = histories[id], let index = list.firstIndex(where: { $0.inbox == key && $0.acceptanceSequence == sequence })
            else { continue }
            change(&list[index])
            histories[id] = list
        }
    }
}
