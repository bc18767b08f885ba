import Foundation
import NexNotices

/// A National Central Bureau (issue 16 §3): requests notices from the General Secretariat,
/// publishes lost and stolen document records and diffusions to its partners, and answers the hits
/// on its data — an acknowledgement (`confirmed`, or `under-review` for a match too weak to act on),
/// then, when confirmed, a request for the action the matched record calls for, addressed to the
/// border post that reported it. Hears of hits in its own country on others' data.
public struct NCBAgent: NodeAgent {
    public struct State: Sendable, Equatable, Codable {
        /// Records of this country (id → kind, and a diffusion's purpose): what a hit on them calls for.
        public var records: [String: String] = [:]
        /// Its requests not decided yet (id → kind), so a decision tells it the kind of the notice published.
        public var requests: [String: String] = [:]
        /// The hits it answered (the latest ``NCBAgent/answeredHitsKept``).
        public var answeredHits: [String] = []
        /// When each of ``answeredHits`` reached it (Unix ms), in the same order.
        public var answeredHitTimes: [Int64] = []
        public var counts = Counts()
        public var published = 0
        public var nextPublishMillis: Int64?
        public var generatorSeed: UInt64
    }

    public struct Counts: Sendable, Equatable, Codable {
        public var hitsOnOwnData = 0
        public var hitsInOwnCountry = 0
        public var acknowledgements = 0
        public var actionRequests = 0
        public var requests = 0
        public var decisionsAccepted = 0
        public var decisionsRefused = 0
        public var documents = 0
        public var diffusions = 0
        public var refusals = 0
    }

    public static let answeredHitsKept = 10_000

    public let node: String
    public let country: String
    /// Countries its diffusions go to.
    public let partners: [String]
    /// Seconds between its own publications (0: it only answers).
    public let publishEverySeconds: Double
    public private(set) var state: State

    public init(node: String, country: String, partners: [String], seed: UInt64, publishEverySeconds: Double = 0, state saved: State? = nil) {
        self.node = node
        self.country = country
        self.partners = partners.filter { $0 != country }
        self.publishEverySeconds = max(publishEverySeconds, 0)
        state = saved ?? State(generatorSeed: TravellerStream.seed(seed, post: node, index: 0))
    }

    public static func state(decoding data: Data) throws -> State { try JSONDecoder().decode(State.self, from: data) }

    public var subscriptions: [String] { ["hit.\(country).*", "hit.*.\(country)", "decision.\(country)", "notice.*.\(country)"] }

    public var nextDueMillis: Int64? { publishEverySeconds > 0 ? state.nextPublishMillis ?? 0 : nil }

    public func encodedState() throws -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(state)
    }

    public mutating func receive(_ delivery: AgentDelivery, atMillis now: Int64) -> [AgentAction] {
        if state.nextPublishMillis == nil { state.nextPublishMillis = now }
        let tokens = delivery.topic.split(separator: ".").map(String.init)
        guard let object = delivery.object else { return [] }
        switch delivery.kind {
        case NoticeKind.hit.rawValue where tokens.count == 3:
            return hit(delivery, object, owner: tokens[1], checkCountry: tokens[2], now: now)
        case NoticeKind.decision.rawValue:
            let outcome = object["outcome"] as? String ?? "?"
            if outcome == "accepted", let notice = object["notice_message_id"] as? String {
                state.records[notice] = (object["request"] as? String).flatMap { state.requests[$0] } ?? state.records[notice] ?? "unknown"
            }
            if let request = object["request"] as? String { state.requests[request] = nil }
            if outcome == "accepted" { state.counts.decisionsAccepted += 1 } else { state.counts.decisionsRefused += 1 }
            return [.say("DECISION on request \(object["request"] as? String ?? "?"): \(outcome)"
                + (object["reason"] as? String).map { " (\($0))" }.orEmpty)]
        default:
            if tokens.first == "notice", NoticeKind(rawValue: delivery.kind)?.isColourNotice == true {
                state.records[delivery.messageID] = delivery.kind
            }
            return []
        }
    }

    private mutating func hit(_ delivery: AgentDelivery, _ object: [String: Any], owner: String, checkCountry: String, now: Int64) -> [AgentAction] {
        let checkpoint = object["checkpoint"] as? String ?? delivery.sender
        let matched = object["matched"] as? [String: Any]
        let how = (object["match"] as? [String: Any])?["method"] as? String ?? "unstated"
        guard owner == country else {
            state.counts.hitsInOwnCountry += 1
            return [.say("INFORMED: \(checkpoint) reported a hit on \(owner)'s record (\(object["action_taken"] as? String ?? "?"))")]
        }
        // A hit applied but not receipted (the connection broke) comes again: answered once.
        guard !state.answeredHits.contains(delivery.messageID) else { return [] }
        state.answeredHits.append(delivery.messageID)
        state.answeredHitTimes.append(now)
        if state.answeredHits.count > Self.answeredHitsKept { state.answeredHits.removeFirst(state.answeredHits.count - Self.answeredHitsKept) }
        if state.answeredHitTimes.count > Self.answeredHitsKept {
            state.answeredHitTimes.removeFirst(state.answeredHitTimes.count - Self.answeredHitsKept)
        }
        state.counts.hitsOnOwnData += 1
        let recordKind = matched?["document_number"] != nil ? NoticeKind.sltd.rawValue
            : (matched?["notice_message_id"] as? String).flatMap { state.records[$0] } ?? "unknown"
        let match = object["match"] as? [String: Any]
        let confirmed = Self.isConfirmed(method: how, similarityPermille: match?["similarity_permille"] as? Int, strength: match?["strength"] as? String)
        let reply = "reply.\(checkCountry)"
        var actions: [AgentAction] = [
            .say("HIT on our \(recordKind) at \(checkpoint) by \(how): \(object["action_taken"] as? String ?? "?")"
                + (confirmed ? "" : "; under review (not confirmed on the post's word)")),
            .publish(OutgoingNotice(topic: reply, kind: NoticeKind.hitAck.rawValue, object: [
                "kind": NoticeKind.hitAck.rawValue, "fictional": true, "hit": delivery.messageID,
                "assessment": confirmed ? "confirmed" : "under-review", "acknowledged_by": node,
            ], allowedNodes: [checkpoint], tag: "ack")),
        ]
        if confirmed {
            let action = Self.action(forRecordKind: recordKind)
            var request: [String: Any] = ["kind": NoticeKind.actionRequest.rawValue, "fictional": true, "hit": delivery.messageID,
                                          "action": action, "requested_by": node,
                                          "legal_basis": "\(recordKind) record \((matched?["notice_message_id"] as? String) ?? (matched?["document_number"] as? String) ?? "?") (synthetic)"]
            if action == "detain" || action == "refuse-entry" { request["priority"] = "urgent" }
            actions.append(.publish(OutgoingNotice(topic: reply, kind: NoticeKind.actionRequest.rawValue, object: request,
                                                   allowedNodes: [checkpoint], tag: "action")))
        }
        return actions
    }

    /// The similarity at or above which the NCB confirms a single biometric match on the post's
    /// word (its examiner's level, 0.15 above the posts' default thresholds); below it, the NCB
    /// answers `under-review` and asks for nothing yet: near the threshold lie most false matches.
    public static let confirmationSimilarity: [String: Double] = [
        "face": BiometricModel.face.defaultThreshold + 0.15, "fingerprint": BiometricModel.fingerprint.defaultThreshold + 0.15,
    ]

    /// Whether the owner NCB confirms a hit: a document match; names with a date of birth
    /// (`match.strength`); a biometric match at or above ``confirmationSimilarity``. Names alone, a
    /// weak biometric match, or a hit that does not say how it matched: under review.
    static func isConfirmed(method: String, similarityPermille: Int?, strength: String?) -> Bool {
        switch method {
        case "document": true
        case "nominal": strength == NominalMatcher.Strength.nameAndDateOfBirth.rawValue
        case "face", "fingerprint": similarityPermille.map { Double($0) / 1000 >= confirmationSimilarity[method]! } ?? false
        default: false
        }
    }

    /// The action a matched record calls for: arrest on a Red Notice or an arrest diffusion; refuse
    /// entry on a UN special notice (a travel ban); keep a lost or stolen document; watch a person
    /// of a warning; gather information on a missing or sought person, and on what it cannot tell.
    static func action(forRecordKind kind: String) -> String {
        switch kind {
        case "red", "diffusion-arrest": "detain"
        case "un-special": "refuse-entry"
        case "sltd": "seize-document"
        case "green", "diffusion-warning": "allow-and-monitor"
        default: "collect-information"
        }
    }

    public mutating func tick(atMillis now: Int64) -> [AgentAction] {
        guard publishEverySeconds > 0 else { return [] }
        let due = state.nextPublishMillis ?? now
        guard due <= now else { return [] }
        state.nextPublishMillis = now + Int64(publishEverySeconds * 1000)
        return publishNext(atMillis: now)
    }

    /// The NCB's next publication of its own (a request to the General Secretariat, a lost or
    /// stolen document, a diffusion, in turn), drawn from its seed and how many it published before:
    /// ``tick(atMillis:)`` calls it every ``publishEverySeconds``; a simulation calls it at
    /// simulated minutes instead.
    public mutating func publishNext(atMillis now: Int64) -> [AgentAction] {
        var generator = SeededGenerator(seed: state.generatorSeed &+ UInt64(state.published) &* 0x9E37_79B9_7F4A_7C15)
        let item = state.published % 3
        state.published += 1
        switch item {
        case 0:
            state.counts.requests += 1
            return [.publish(OutgoingNotice(topic: "request.red.\(country)", kind: NoticeKind.red.rawValue, object: [
                "kind": "red", "fictional": true,
                "subject": SyntheticPeople.subject(nationality: country, using: &generator),
                "charges": ["Trafficking of counterfeit pharmaceuticals (synthetic case)"],
                "warrant": ["issuing_country": country, "reference": "\(country.uppercased())-SIM-\(state.published)",
                            "issued_on": AgentClock.date(millis: now)],
                "requested_by": node,
            ], tag: "request"))]
        case 1:
            state.counts.documents += 1
            let (holder, sex) = SyntheticPeople.person(nationality: country, using: &generator)
            return [.publish(OutgoingNotice(topic: "sltd.\(country)", kind: NoticeKind.sltd.rawValue, object: [
                "kind": "sltd", "fictional": true, "document_number": SyntheticPeople.documentNumber(using: &generator),
                "document_type": "passport", "issuing_country": country, "status": "stolen", "reported_on": AgentClock.date(millis: now),
                "holder": ["family_name": holder.familyName, "forenames": holder.forenames, "sex": sex,
                           "date_of_birth": holder.dateOfBirth!, "nationalities": [country]],
                "reported_by": node,
            ], tag: "sltd"))]
        default:
            guard !partners.isEmpty else { return [] }
            state.counts.diffusions += 1
            let purpose = ["arrest", "locate"].randomElement(using: &generator)!
            return [.publish(OutgoingNotice(topic: "diffusion.\(country)", kind: NoticeKind.diffusion.rawValue, object: [
                "kind": "diffusion", "fictional": true, "purpose": purpose,
                "subject": SyntheticPeople.subject(nationality: country, using: &generator),
                "summary": "Suspect in a cross-border vehicle theft ring, believed to be travelling to a neighbouring country (synthetic case)",
                "from_ncb": node,
            ], allowedCountries: partners, tag: "diffusion-\(purpose)"))]
        }
    }

    public mutating func answered(_ notice: OutgoingNotice, messageID: String, refusal: String?, atMillis now: Int64) -> [AgentAction] {
        if let refusal {
            state.counts.refusals += 1
            return [.say("\(notice.kind) on \(notice.topic) refused: \(refusal)")]
        }
        switch notice.tag {
        case "ack": state.counts.acknowledgements += 1
        case "action": state.counts.actionRequests += 1
        case "sltd": state.records[messageID] = NoticeKind.sltd.rawValue
        case "request": state.requests[messageID] = notice.kind
        case let tag where tag.hasPrefix("diffusion-"): state.records[messageID] = tag
        default: break
        }
        return [.say("\(notice.kind) \(messageID) accepted on \(notice.topic)")]
    }

    public var summary: [String] {
        let counts = state.counts
        return ["\(node): \(counts.hitsOnOwnData) hits on our data (\(counts.acknowledgements) acknowledged, \(counts.actionRequests) action requests), "
            + "\(counts.hitsInOwnCountry) in our country on others' data; published \(counts.requests) requests (\(counts.decisionsAccepted) accepted, "
            + "\(counts.decisionsRefused) refused), \(counts.documents) document records, \(counts.diffusions) diffusions; \(counts.refusals) refused by nexd"]
    }
}

extension Optional where Wrapped == String {
    var orEmpty: String { self ?? "" }
}
