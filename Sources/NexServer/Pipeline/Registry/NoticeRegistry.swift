import NexBroker
import NexNotices
import NexWire

/// Every accepted record a follow-up, hit or decision may refer to (notices, requests, alerts,
/// diffusions, document records; not decisions or follow-ups; hits in an index of their own, D63), by message id: its owner, kind, topic, state,
/// version, acceptance time, restrictions and holders (D56, D60); which requests were decided; and
/// when active records expire (D61). A value: owned by the broker queue beside the routing state it
/// follows, and rebuilt at start-up in the same pass over the audit log as the inboxes
/// (``RegistryRebuild``).
///
/// Memory is bounded per record by interning: a record is 32 bytes plus its index entry; nodes,
/// topics, restriction sets and holder sets are stored once each. `lookup(_:)` is one hash probe.
struct NoticeRegistry: Sendable {
    /// A record with its interned parts resolved: what rules and routing read.
    struct View: Sendable, Equatable {
        let id: MessageID
        let acceptedSequence: UInt64
        /// The acceptance record's time, rounded down to the second (Unix milliseconds).
        let acceptedAtMillis: Int64
        let owner: String
        let kind: NoticeKind
        let topic: String
        let state: NoticeRecord.State
        let version: Int
        let restrictions: DisseminationRestrictions
        /// Nodes it was delivered to or queued for (sorted).
        let holders: [String]
    }

    // Sharded and chunked: they grow by one entry per accepted notice on the broker queue, and a
    // plain dictionary's or array's doubling stalls it (``ShardedDictionary``).
    private var index = ShardedDictionary<MessageID, UInt32>()
    private var records = ChunkedArray<NoticeRecord>()
    /// Accepted follow-ups → the record they refer to (so a follow-up of a follow-up is named as such).
    private var followUps: [MessageID: MessageID] = [:]
    /// Decided requests → the accepted decision on each (one decision per request, D60).
    private var decisions: [MessageID: MessageID] = [:]
    private var nodes = Interner<String>()
    private var topics = Interner<String>()
    private var restrictionSets = Interner<String>()
    private var restrictionValues: [DisseminationRestrictions] = []
    private var holderSets = Interner<[UInt32]>()
    /// The `expires_at` of each active record that has one (most have none, so it is kept apart
    /// from the 32-byte records).
    private var expiryOf = ShardedDictionary<MessageID, Int64>()
    /// Those expiries in time order; entries whose record changed since are skipped when due.
    private var expiries = ExpiryHeap()
    /// Lost or stolen document records by issuing country and normalised number (D62): what a hit's
    /// `matched.document_number` is looked up by. The first record of a number keeps it.
    private var documents: [String: MessageID] = [:]
    private var documentKeyOf: [MessageID: String] = [:]
    /// Accepted hits: the border post that reported each and its topic (interned), what an answer
    /// to a hit is bound by (D63).
    private var hits = ShardedDictionary<MessageID, (checkpoint: UInt32, topic: UInt32, matched: MessageID?)>()

    /// An accepted hit as an answer to it sees it.
    struct HitView: Sendable, Equatable {
        let id: MessageID
        /// The border post that reported it.
        let checkpoint: String
        /// The country whose record matched (`hit.<owner>.<check>`).
        let ownerCountry: String
        /// The country of the check.
        let checkCountry: String
        /// The record it was bound to (D60, D62), when known.
        let matched: MessageID?
    }

    /// What ``apply(_:id:holders:sequence:)`` changed, to undo it.
    struct Change: Sendable {
        let record: NoticeRecord
        let expiresAtMillis: Int64?
    }

    init() {
        _ = restrictionSets.intern("")
        restrictionValues.append(DisseminationRestrictions())
        _ = holderSets.intern([])
    }

    /// How many records it holds.
    var count: Int { index.count }

    /// The record accepted with message id `id`.
    func lookup(_ id: MessageID) -> View? {
        guard let position = index[id] else { return nil }
        return view(id, records[Int(position)])
    }

    /// The index key of lost or stolen document record `id` (``documentKey(_:issuedBy:)``).
    func documentKey(of id: MessageID) -> String? {
        documentKeyOf[id]
    }

    /// The lost or stolen document record of `country` with document number `number` (compared
    /// without case, spaces or hyphens), if nexd accepted one.
    func lookup(document number: String, issuedBy country: String) -> View? {
        documents[Self.documentKey(number, issuedBy: country)].flatMap { lookup($0) }
    }

    /// Registers an accepted hit (D63).
    mutating func registerHit(_ id: MessageID, checkpoint: String, topic: String, matched: MessageID?) {
        hits[id] = (nodes.intern(checkpoint), topics.intern(topic), matched)
    }

    /// Undoes a hit's registration whose audit batch failed.
    mutating func forgetHit(_ id: MessageID) {
        hits[id] = nil
    }

    /// The accepted hit `id`.
    func lookupHit(_ id: MessageID) -> HitView? {
        guard let hit = hits[id] else { return nil }
        let tokens = topics[hit.topic].split(separator: ".").map(String.init)
        guard tokens.count == 3 else { return nil }
        return HitView(id: id, checkpoint: nodes[hit.checkpoint], ownerCountry: tokens[1], checkCountry: tokens[2], matched: hit.matched)
    }

    /// `cc|NUMBER`: a document number in capitals without spaces or hyphens, after its country.
    static func documentKey(_ number: String, issuedBy country: String) -> String {
        country + "|" + DocumentReferences.normalizedDocumentNumber(number)
    }

    /// When active record `id` expires (Unix milliseconds), if it has an `expires_at`.
    func expiresAtMillis(of id: MessageID) -> Int64? {
        expiryOf[id]
    }

    /// The original of accepted follow-up `id`, if `id` is one.
    func originalOfFollowUp(_ id: MessageID) -> MessageID? {
        followUps[id]
    }

    /// The accepted decision on request `request`, if it was decided.
    func decision(on request: MessageID) -> MessageID? {
        decisions[request]
    }

    /// Records that decision `id` decided `request` (D60: one decision per request).
    mutating func registerDecision(_ id: MessageID, on request: MessageID) {
        if decisions[request] == nil { decisions[request] = id }
    }

    /// Undoes a decision's registration whose audit batch failed.
    mutating func forgetDecision(on request: MessageID) {
        decisions[request] = nil
    }

    /// Registers an accepted record. `holders` are the nodes it reached or was queued for;
    /// `acceptedAtMillis` is the acceptance record's time (kept to the second).
    mutating func register(_ id: MessageID, owner: String, kind: NoticeKind, topic: String,
                           restrictions: DisseminationRestrictions, holders: some Sequence<String>, acceptedSequence: UInt64,
                           acceptedAtMillis: Int64 = 0, expiresAtMillis: Int64? = nil, documentNumber: String? = nil) {
        guard kind.acceptsFollowUps, index[id] == nil else { return }
        setExpiry(of: id, to: expiresAtMillis)
        if kind == .sltd, let documentNumber, let country = topic.split(separator: ".").last.map(String.init) {
            // A number re-reported after its record ended (cancelled, expired) belongs to the new
            // record; an active one keeps it (nexd refuses a second active record at publish).
            let key = Self.documentKey(documentNumber, issuedBy: country)
            if documents[key].flatMap({ lookup($0) })?.state != .active {
                documents[key] = id
                documentKeyOf[id] = key
            }
        }
        let seconds = UInt32(clamping: max(0, acceptedAtMillis / 1000))
        let record = NoticeRecord(
            acceptedSequence: acceptedSequence, owner: nodes.intern(owner), topic: topics.intern(topic),
            restrictions: intern(restrictions), holders: internHolders(holders), kind: kind, acceptedAtSeconds: seconds)
        index[id] = UInt32(records.count)
        records.append(record)
    }

    /// Applies an accepted follow-up `id` (accepted as `sequence`, which the log keeps) to its original: an update
    /// raises the version, a cancel or withdraw ends it; the nodes it reached become holders too.
    /// Returns the original's record before the change (to undo it), or nil when unknown.
    /// An update replaces the expiry with its new document's (none: none); the others end it.
    @discardableResult
    mutating func apply(_ followUp: FollowUp, id: MessageID, holders: some Sequence<String>, sequence: UInt64) -> Change? {
        guard let original = MessageID(string: followUp.original), let position = index[original] else { return nil }
        let before = records[Int(position)]
        let change = Change(record: before, expiresAtMillis: expiryOf[original])
        var record = before
        switch followUp.kind {
        case .update: record.version = UInt16(clamping: followUp.version ?? Int(record.version) + 1)
        case .cancel: record.state = .cancelled
        case .withdraw: record.state = .withdrawn
        case .expire: record.state = .expired
        default: return nil
        }
        setExpiry(of: original, to: followUp.kind == .update ? followUp.expiresAtMillis : nil)
        record.holders = internHolders(holderSets[before.holders].map { nodes[$0] } + Array(holders))
        records[Int(position)] = record
        followUps[id] = original
        return change
    }

    /// How many active records have an expiry scheduled.
    var pendingExpiryCount: Int { expiryOf.count }

    /// When the next expiry is due (Unix milliseconds; possibly one a later change voided).
    var nextExpiryMillis: Int64? { expiries.peek()?.expiresAtMillis }

    /// The active records whose `expires_at` is at or before `now`, earliest first, taken out of
    /// the schedule: nexd sends each an `expire`, which ``apply(_:id:holders:sequence:)`` records
    /// (if its audit batch fails, ``restore(_:of:forgettingFollowUp:)`` schedules it again; if it
    /// was not accepted at all, ``reschedule(_:expiresAtMillis:)`` does).
    /// A record scheduled twice for the same time (an update that kept its `expires_at`, a restore)
    /// comes out once.
    mutating func takeDueExpiries(atMillis now: Int64) -> [(id: MessageID, expiresAtMillis: Int64)] {
        var due: [(id: MessageID, expiresAtMillis: Int64)] = []
        var taken = Set<MessageID>()
        while let next = expiries.peek(), next.expiresAtMillis <= now {
            expiries.pop()
            guard expiryOf[next.id] == next.expiresAtMillis, let position = index[next.id],
                  records[Int(position)].state == .active, taken.insert(next.id).inserted else { continue }
            due.append((next.id, next.expiresAtMillis))
        }
        return due
    }

    /// Puts a due expiry back in the schedule when its `expire` was not accepted (tried again later).
    mutating func reschedule(_ id: MessageID, expiresAtMillis: Int64) {
        guard index[id] != nil, expiryOf[id] == expiresAtMillis else { return }
        expiries.push(.init(expiresAtMillis: expiresAtMillis, id: id))
    }

    /// Entries a change voided stay in the heap until they fall due (skipped then); when they
    /// outnumber the live ones (repeated updates to far-off times), the heap is rebuilt from
    /// `expiryOf`, so it stays within twice the live schedule (plus a constant).
    private mutating func setExpiry(of id: MessageID, to expiresAtMillis: Int64?) {
        expiryOf[id] = expiresAtMillis
        if let expiresAtMillis { expiries.push(.init(expiresAtMillis: expiresAtMillis, id: id)) }
        if expiries.count > 2 * expiryOf.count + 1024 {
            expiries = ExpiryHeap(expiryOf.entries.map { ExpiryHeap.Item(expiresAtMillis: $0.value, id: $0.key) })
        }
    }

    /// How many entries the schedule holds, voided ones included (tests).
    var scheduledEntryCount: Int { expiries.count }

    /// Undoes a registration whose audit batch failed (it never reached the log).
    mutating func forget(_ id: MessageID) {
        index[id] = nil
        expiryOf[id] = nil
        if let key = documentKeyOf.removeValue(forKey: id), documents[key] == id { documents[key] = nil }
    }

    /// Undoes a follow-up whose audit batch failed: its original's record (and expiry) as it was.
    mutating func restore(_ change: Change, of original: MessageID, forgettingFollowUp id: MessageID) {
        if let position = index[original] { records[Int(position)] = change.record }
        setExpiry(of: original, to: change.expiresAtMillis)
        followUps[id] = nil
    }

    private func view(_ id: MessageID, _ record: NoticeRecord) -> View {
        View(id: id, acceptedSequence: record.acceptedSequence, acceptedAtMillis: Int64(record.acceptedAtSeconds) * 1000, owner: nodes[record.owner], kind: record.kind,
             topic: topics[record.topic], state: record.state, version: Int(record.version),
             restrictions: restrictionValues[Int(record.restrictions)],
             holders: holderSets[record.holders].map { nodes[$0] }.sorted())
    }

    private mutating func intern(_ restrictions: DisseminationRestrictions) -> UInt32 {
        if restrictions.isUnrestricted { return 0 }
        let key = restrictions.recordDescription
        let before = restrictionSets.count
        let position = restrictionSets.intern(key)
        if restrictionSets.count > before { restrictionValues.append(restrictions) }
        return position
    }

    private mutating func internHolders(_ holders: some Sequence<String>) -> UInt32 {
        var set: [UInt32] = []
        set.reserveCapacity(holders.underestimatedCount)
        for node in holders { set.append(nodes.intern(node)) }
        set.sort()
        var unique: [UInt32] = []
        unique.reserveCapacity(set.count)
        for node in set where unique.last != node { unique.append(node) }
        return holderSets.intern(unique)
    }
}
