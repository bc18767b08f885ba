import Foundation
import NexNotices

/// A border-control point (issue 16 §3): keeps a watchlist from what its durable subscriptions
/// deliver (notices, diffusions, lost and stolen documents, with their follow-ups and nexd's
/// expiries), checks a synthetic traveller stream against it — document, nominal, face,
/// fingerprint — and reports each match as a hit bound to the matched record, on
/// `hit.<owner>.<own country>`, where nexd routes it to the record's owner. Counts its biometric
/// false matches and false non-matches against the truth the stream knows, and what it detected
/// and missed. Answers to its hits (`reply.<country>`) are logged.
public struct BorderPostAgent: NodeAgent {
    /// What the agent keeps on disk (D65): the watchlist, where the traveller stream stands, the counts.
    public struct State: Sendable, Equatable, Codable {
        public var watchlist = Watchlist()
        public var stream: TravellerStream
        public var tally = BiometricTally()
        public var counts = Counts()
        /// The latest checks of watchlisted travellers and hits (newest last, at most ``BorderPostAgent/outcomesKept``).
        public var outcomes: [Outcome] = []
        public var nextTravellerMillis: Int64?
        /// Alerts and notices without a person it received (the latest 200 ids): intelligence, not checks.
        public var intelligence: [String] = []
        /// The checks of planted travellers, all kept (``outcomes`` keeps only the latest).
        public var plantedOutcomes: [Outcome] = []
    }

    public struct Counts: Sendable, Equatable, Codable {
        public var travellers = 0
        public var watchlisted = 0
        public var detected = 0
        public var missed = 0
        public var hitsReported = 0
        public var hitsAccepted = 0
        public var hitsRefused = 0
        /// Hits on a record the traveller was not (a false match, or a name shared by chance).
        public var falseAlarms = 0
        public var acknowledgements = 0
        public var actionRequests = 0
        public var alerts = 0
    }

    /// One check worth remembering: a watchlisted traveller, or a hit.
    public struct Outcome: Sendable, Equatable, Codable {
        public var traveller: Int
        public var observedAt: String
        /// When the check was made (Unix ms, the agent's clock).
        public var checkedAtMillis: Int64?
        /// The record the traveller really is (nil: an ordinary traveller).
        public var truth: String?
        public var disguise: Traveller.Disguise?
        /// The records hit, with the method that matched each.
        public var hits: [HitNote]
        /// Whether a hit named the traveller's true record.
        public var detected: Bool { truth.map { id in hits.contains { $0.recordID == id } } ?? false }
    }

    public struct HitNote: Sendable, Equatable, Codable {
        public var recordID: String
        public var method: CheckMatch.Method
        public var similarity: Double?
        public var action: String
        /// nexd's answer: the hit's message id, or the refusal.
        public var messageID: String?
        public var refusal: String?
    }

    public static let outcomesKept = 500

    /// Set by a simulation: travellers on the simulated clock instead of ``travellersPerMinute``.
    public var simulated: SimulatedChecks?
    /// With ``simulated``: the message ids delivered to the post in this process, with when (Unix
    /// ms, the first delivery of each). The simulation waits for a record to be here before the post
    /// checks travellers after its publication, and measures publication → post from it.
    public private(set) var deliveredAt: [String: Int64] = [:]

    public let node: String
    public let country: String
    public var check: BorderCheck
    /// Travellers per minute (0: none; the post only keeps its watchlist).
    public var travellersPerMinute: Double
    public private(set) var state: State
    private var templates: TemplateCache
    /// What the checks read beside the watchlist (decoded templates, keyed names), for tests.
    var checkCache: TemplateCache { templates }

    public init(node: String, country: String, stream: TravellerStream, check: BorderCheck = BorderCheck(),
                travellersPerMinute: Double = 30, state saved: State? = nil) {
        self.node = node
        self.country = country
        self.check = check
        self.travellersPerMinute = max(travellersPerMinute, 0)
        state = saved ?? State(stream: stream)
        templates = TemplateCache(state.watchlist)
    }

    /// The state kept on disk, read back.
    public static func state(decoding data: Data) throws -> State {
        try JSONDecoder().decode(State.self, from: data)
    }

    public var subscriptions: [String] { ["notice.>", "alert.>", "sltd.>", "reply.\(country)"] }

    public var nextDueMillis: Int64? {
        if let simulated { return simulated.hasDueTraveller ? 0 : nil }
        return travellersPerMinute > 0 ? state.nextTravellerMillis ?? 0 : nil
    }

    /// Plants a traveller (see ``TravellerStream/plant(_:)``); false when it was asked before.
    @discardableResult
    public mutating func plant(_ plant: TravellerStream.Plant) -> Bool {
        state.stream.plant(plant)
    }

    public func encodedState() throws -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(state)
    }

    // MARK: - Deliveries

    public mutating func receive(_ delivery: AgentDelivery, atMillis now: Int64) -> [AgentAction] {
        if state.nextTravellerMillis == nil { state.nextTravellerMillis = now }
        if simulated != nil, deliveredAt[delivery.messageID] == nil { deliveredAt[delivery.messageID] = now }
        switch delivery.kind {
        case NoticeKind.hitAck.rawValue:
            state.counts.acknowledgements += 1
            let object = delivery.object
            return [.say("ACKNOWLEDGED hit \(object?["hit"] as? String ?? "?") by \(delivery.sender): \(object?["assessment"] as? String ?? "?")")]
        case NoticeKind.actionRequest.rawValue:
            state.counts.actionRequests += 1
            let object = delivery.object
            return [.say("ACTION REQUESTED on hit \(object?["hit"] as? String ?? "?") by \(delivery.sender): \(object?["action"] as? String ?? "?")")]
        default:
            break
        }
        if delivery.topic.hasPrefix("alert.") || delivery.kind == NoticeKind.orange.rawValue || delivery.kind == NoticeKind.purple.rawValue {
            state.counts.alerts += 1
            state.intelligence.append(delivery.messageID)
            if state.intelligence.count > 200 { state.intelligence.removeFirst(state.intelligence.count - 200) }
            return [.say("ALERT \(delivery.kind) on \(delivery.topic) from \(delivery.sender)")]
        }
        switch state.watchlist.apply(kind: delivery.kind, id: delivery.messageID, topic: delivery.topic, document: delivery.document) {
        case .added(let id):
            state.watchlist.markHeld(id, atMillis: now)
            templates.refresh(state.watchlist.entries[id]!)
            return [.say("watchlist + \(delivery.kind) \(id) on \(delivery.topic) (\(state.watchlist.entries.count) records)")]
        case .updated(let id, let version):
            templates.refresh(state.watchlist.entries[id]!)
            return [.say("watchlist ~ \(id) now version \(version)")]
        case .removed(let id, let kind):
            templates.remove(id)
            return [.say("watchlist - \(id) (\(kind.rawValue)) (\(state.watchlist.entries.count) records)")]
        case .ignored:
            return []
        }
    }

    // MARK: - Travellers

    public mutating func tick(atMillis now: Int64) -> [AgentAction] {
        if simulated != nil { return checkSimulatedTravellers(atMillis: now) }
        guard travellersPerMinute > 0 else { return [] }
        let interval = Int64((60_000 / travellersPerMinute).rounded())
        var due = state.nextTravellerMillis ?? now
        var actions: [AgentAction] = []
        var checked = 0
        // A post that was stopped does not check at once the travellers it missed: more than ten
        // intervals behind, the stream resumes now.
        if now - due > 10 * max(interval, 1) { due = now }
        while due <= now, checked < 1_000 {
            actions += checkNextTraveller(atMillis: now)
            due += max(interval, 1)
            checked += 1
        }
        state.nextTravellerMillis = due <= now ? now + max(interval, 1) : due
        return actions
    }

    /// Checks the next traveller now and returns the hits to publish.
    public mutating func checkNextTraveller(atMillis now: Int64) -> [AgentAction] {
        let traveller = state.stream.next(watchlist: state.watchlist)
        state.counts.travellers += 1
        let (matches, comparisons) = check.run(traveller, against: state.watchlist, templates: templates)
        state.tally.count(comparisons, truth: traveller.truth, check: check)
        let observedAt = AgentClock.dateTime(millis: now)
        var outcome = Outcome(traveller: traveller.index, observedAt: observedAt, checkedAtMillis: now, truth: traveller.truth.recordID,
                              disguise: { if case .watchlisted(_, let disguise) = traveller.truth { disguise } else { nil } }(), hits: [])
        var actions: [AgentAction] = []
        let byRecord = Dictionary(grouping: matches, by: \.recordID)
        for recordID in byRecord.keys.sorted() {
            guard let entry = state.watchlist.entries[recordID], let owner = entry.ownerCountry,
                  let best = byRecord[recordID]!.min(by: { ($0.method, -($0.similarity ?? 0)) < ($1.method, -($1.similarity ?? 0)) }) else { continue }
            let action = Self.action(for: entry, after: best)
            let note = HitNote(recordID: recordID, method: best.method, similarity: best.similarity, action: action)
            outcome.hits.append(note)
            state.counts.hitsReported += 1
            if traveller.truth.recordID != recordID { state.counts.falseAlarms += 1 }
            actions.append(.publish(OutgoingNotice(topic: "hit.\(owner).\(country)", kind: NoticeKind.hit.rawValue,
                                                   object: hitDocument(traveller, entry: entry, match: best, action: action, observedAt: observedAt),
                                                   tag: "hit \(traveller.index) \(recordID)")))
            let how = best.similarity.map { "\(best.method.rawValue) \(String(format: "%.2f", $0))" } ?? best.method.rawValue
            // The log names the traveller by number only: names and dates of birth travel in the signed hit.
            actions.append(.say("HIT traveller #\(traveller.index) on \(entry.kind) \(recordID) of \(owner) by \(how): \(action)"))
        }
        if outcome.truth != nil {
            state.counts.watchlisted += 1
            if outcome.detected {
                state.counts.detected += 1
            } else {
                state.counts.missed += 1
                actions.append(.say("MISSED traveller #\(traveller.index) (record \(outcome.truth!), \(outcome.disguise?.rawValue ?? "?")): no check matched"))
            }
        }
        if outcome.truth != nil || !outcome.hits.isEmpty { remember(outcome) }
        return actions
    }

    private mutating func remember(_ outcome: Outcome) {
        if let truth = outcome.truth, state.stream.plantedRecords.contains(truth) { state.plantedOutcomes.append(outcome) }
        state.outcomes.append(outcome)
        if state.outcomes.count > Self.outcomesKept { state.outcomes.removeFirst(state.outcomes.count - Self.outcomesKept) }
    }

    /// What the post does on a match: detains on a Red Notice or an arrest diffusion; refuses entry
    /// on a UN special notice (a travel ban) and on a lost or stolen document (and keeps it); records
    /// where a missing or sought person was seen (Yellow, Blue, a locate or information diffusion);
    /// lets a person of a warning go on, watched. A match on names alone, without a date of birth on
    /// both sides, is information only: the post confirms before it acts.
    static func action(for entry: WatchlistEntry, after match: CheckMatch) -> String {
        if entry.kind == NoticeKind.sltd.rawValue { return "refused-entry" }
        if match.method == .nominal, match.strength == .nameOnly { return "information-only" }
        switch entry.kind {
        case NoticeKind.red.rawValue: return "detained"
        case NoticeKind.unSpecial.rawValue: return "refused-entry"
        case NoticeKind.diffusion.rawValue:
            switch entry.purpose {
            case "arrest": return "detained"
            case "warning": return "allowed-monitored"
            default: return "information-only"
            }
        case NoticeKind.yellow.rawValue, NoticeKind.blue.rawValue: return "information-only"
        default: return "allowed-monitored"
        }
    }

    private func hitDocument(_ traveller: Traveller, entry: WatchlistEntry, match: CheckMatch, action: String, observedAt: String) -> [String: Any] {
        var seen: [String: Any] = ["family_name": traveller.person.familyName, "forenames": traveller.person.forenames, "sex": traveller.sex,
                                   "nationalities": traveller.person.nationalities]
        if let dateOfBirth = traveller.person.dateOfBirth { seen["date_of_birth"] = dateOfBirth }
        var how: [String: Any] = ["method": match.method.rawValue]
        if let similarity = match.similarity { how["similarity_permille"] = Int((similarity * 1000).rounded()) }
        if let strength = match.strength { how["strength"] = strength.rawValue }
        var document: [String: Any] = [
            "kind": NoticeKind.hit.rawValue, "fictional": true, "checkpoint": node, "observed_at": observedAt,
            "matched": entry.kind == NoticeKind.sltd.rawValue ? ["document_number": traveller.documentNumber] : ["notice_message_id": entry.id],
            "traveller": seen, "action_taken": action, "match": how,
        ]
        if action == "detained" { document["priority"] = "urgent" }
        return document
    }

    // MARK: - Answers

    public mutating func answered(_ notice: OutgoingNotice, messageID: String, refusal: String?, atMillis now: Int64) -> [AgentAction] {
        guard notice.kind == NoticeKind.hit.rawValue else { return [] }
        let parts = notice.tag.split(separator: " ")
        if refusal == nil { state.counts.hitsAccepted += 1 } else { state.counts.hitsRefused += 1 }
        if parts.count == 3, let index = Int(parts[1]) {
            func note(_ outcomes: inout [Outcome]) {
                guard let at = outcomes.lastIndex(where: { $0.traveller == index }),
                      let hit = outcomes[at].hits.firstIndex(where: { $0.recordID == parts[2] }) else { return }
                outcomes[at].hits[hit].messageID = refusal == nil ? messageID : nil
                outcomes[at].hits[hit].refusal = refusal
            }
            note(&state.outcomes)
            note(&state.plantedOutcomes)
        }
        return refusal.map { [.say("hit \(messageID) refused: \($0)")] } ?? [.say("hit \(messageID) accepted")]
    }

    // MARK: - Summary

    public var summary: [String] {
        let counts = state.counts
        var lines = [
            "\(node): \(counts.travellers) travellers checked; \(counts.watchlisted) watchlisted (\(counts.detected) detected, \(counts.missed) missed); "
                + "\(counts.hitsReported) hits (\(counts.hitsAccepted) accepted, \(counts.hitsRefused) refused), \(counts.falseAlarms) on travellers who were not the record's person",
        ]
        for modality in BiometricModel.Modality.allCases {
            let tally = modality == .face ? state.tally.face : state.tally.fingerprint
            lines.append("\(modality.rawValue) at threshold \(String(format: "%.2f", check.threshold(modality))): "
                + "\(tally.falseNonMatches) false non-matches of \(tally.genuine) genuine comparisons (FNMR \(Self.percent(tally.falseNonMatchRate))), "
                + "\(tally.falseMatches) false matches of \(tally.impostor) impostor comparisons (FMR \(Self.percent(tally.falseMatchRate)))")
        }
        let documents = state.watchlist.entries.values.filter { $0.kind == NoticeKind.sltd.rawValue }.count
        lines.append("watchlist: \(state.watchlist.entries.count) records (\(state.watchlist.entries.count - documents) persons, \(documents) documents); "
            + "answers: \(counts.acknowledgements) acknowledgements, \(counts.actionRequests) action requests; \(counts.alerts) alerts")
        return lines
    }

    static func percent(_ rate: Double) -> String {
        rate == 0 ? "0 %" : rate < 0.001 ? String(format: "%.2e", rate) : String(format: "%.2f %%", rate * 100)
    }
}
