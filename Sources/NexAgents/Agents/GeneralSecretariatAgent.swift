import Foundation
import NexNotices

/// The General Secretariat (issue 16 §3): reviews each request an NCB sends — accepts it and
/// publishes the notice (then the decision naming it), or refuses it with a reason — and publishes
/// of its own accord UN Security Council special notices for listed terrorist affiliates, CBRNE
/// (orange) and counterfeit-pharmaceutical (purple) alerts, which reach every role.
///
/// The review is simulated and deterministic: a request is refused when a digest of its subject and
/// warrant falls in the refused share (about one in ten), with the reason an Article 3 review gives.
public struct GeneralSecretariatAgent: NodeAgent {
    public struct State: Sendable, Equatable, Codable {
        public var counts = Counts()
        public var published = 0
        public var nextPublishMillis: Int64?
        public var generatorSeed: UInt64
        public var listedPublished = 0
    }

    public struct Counts: Sendable, Equatable, Codable {
        public var requests = 0
        public var accepted = 0
        public var refused = 0
        public var unSpecial = 0
        public var alerts = 0
        public var refusedByNexd = 0
    }

    public static let refusalReason = "Article 3 review: the case is of a predominantly political character (simulated review)"
    public static let regions = ["east-africa", "west-africa", "central-africa", "southern-africa", "north-africa"]

    public let node: String
    /// Countries whose nationals the listed affiliates are.
    public let countries: [String]
    /// UN-listed affiliates to publish at the start.
    public let listedAffiliates: Int
    /// Seconds between its own alerts (0: none).
    public let publishEverySeconds: Double
    public private(set) var state: State

    public init(node: String, countries: [String], seed: UInt64, listedAffiliates: Int = 0, publishEverySeconds: Double = 0, state saved: State? = nil) {
        self.node = node
        self.countries = countries.isEmpty ? ["ke"] : countries
        self.listedAffiliates = max(listedAffiliates, 0)
        self.publishEverySeconds = max(publishEverySeconds, 0)
        state = saved ?? State(generatorSeed: TravellerStream.seed(seed, post: node, index: 0))
    }

    public static func state(decoding data: Data) throws -> State { try JSONDecoder().decode(State.self, from: data) }

    public var subscriptions: [String] { ["request.>"] }

    public var nextDueMillis: Int64? {
        state.listedPublished < listedAffiliates || publishEverySeconds > 0 ? state.nextPublishMillis ?? 0 : nil
    }

    public func encodedState() throws -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(state)
    }

    public mutating func receive(_ delivery: AgentDelivery, atMillis now: Int64) -> [AgentAction] {
        let tokens = delivery.topic.split(separator: ".").map(String.init)
        guard tokens.count == 3, tokens[0] == "request", var document = delivery.object else { return [] }
        state.counts.requests += 1
        let requester = document["requested_by"] as? String ?? delivery.sender
        let country = tokens[2]
        if Self.isRefused(document) {
            state.counts.refused += 1
            return [.say("REVIEW request \(delivery.messageID) from \(requester): refused"),
                    .publish(decision(request: delivery.messageID, requester: requester, country: country, notice: nil))]
        }
        state.counts.accepted += 1
        document["request"] = delivery.messageID
        return [.say("REVIEW request \(delivery.messageID) from \(requester): accepted, publishing the \(delivery.kind) notice"),
                .publish(OutgoingNotice(topic: "notice.\(tokens[1]).\(country)", kind: delivery.kind, object: document,
                                        tag: "notice \(delivery.messageID) \(requester) \(country)"))]
    }

    /// About one request in ten, decided by a digest (FNV-1a) of what does not depend on the clock:
    /// the subject's names and date of birth and the warrant's reference (a request's `issued_on`
    /// and the envelope's time would make the outcome change with the day).
    public static func isRefused(_ document: [String: Any]) -> Bool {
        let subject = document["subject"] as? [String: Any]
        let warrant = document["warrant"] as? [String: Any]
        let key = [subject?["family_name"], subject?["forenames"], subject?["date_of_birth"], warrant?["reference"], document["kind"]]
            .map { ($0 as? String) ?? "" }.joined(separator: "\u{1F}")
        return SeededGenerator.fnv1a(key.utf8) % 10 == 0
    }

    private func decision(request: String, requester: String, country: String, notice: String?) -> OutgoingNotice {
        var object: [String: Any] = ["kind": NoticeKind.decision.rawValue, "fictional": true, "request": request,
                                     "outcome": notice == nil ? "refused" : "accepted", "requested_by": requester]
        if let notice { object["notice_message_id"] = notice } else { object["reason"] = Self.refusalReason }
        return OutgoingNotice(topic: "decision.\(country)", kind: NoticeKind.decision.rawValue, object: object, tag: "decision \(request)")
    }

    public mutating func tick(atMillis now: Int64) -> [AgentAction] {
        guard let due = nextDueMillis, due <= now else { return [] }
        var generator = SeededGenerator(seed: state.generatorSeed &+ UInt64(state.published) &* 0x9E37_79B9_7F4A_7C15)
        state.published += 1
        if state.listedPublished < listedAffiliates {
            state.listedPublished += 1
            state.counts.unSpecial += 1
            let country = countries.randomElement(using: &generator)!
            return [.publish(OutgoingNotice(topic: "notice.un-special.\(country)", kind: NoticeKind.unSpecial.rawValue, object: [
                "kind": "un-special", "fictional": true, "sanctions_regime": "1267",
                "un_reference": "QDi.\(900 + state.listedPublished)-SIM", "measures": ["assets-freeze", "travel-ban", "arms-embargo"],
                "subject": SyntheticPeople.subject(nationality: country, using: &generator),
            ], tag: "un-special"))]
        }
        state.nextPublishMillis = now + Int64(publishEverySeconds * 1000)
        state.counts.alerts += 1
        let region = Self.regions.randomElement(using: &generator)!
        let affected = Array(countries.shuffled(using: &generator).prefix(3)).sorted()
        if state.counts.alerts % 2 == 1 {
            return [.publish(OutgoingNotice(topic: "alert.cbrne.\(region)", kind: NoticeKind.orange.rawValue, object: [
                "kind": "orange", "fictional": true,
                "threat_category": ["chemical", "biological", "radiological", "explosive"].randomElement(using: &generator)!,
                "description": "Stolen industrial material that could be used in an attack; watch cargo at crossings (synthetic scenario)",
                "valid_until": AgentClock.date(millis: now + 30 * 86_400_000), "affected_countries": affected,
            ], tag: "alert"))]
        }
        return [.publish(OutgoingNotice(topic: "alert.pharma.\(region)", kind: NoticeKind.purple.rawValue, object: [
            "kind": "purple", "fictional": true, "crime_area": "counterfeit-pharmaceuticals",
            "modus_operandi": "Counterfeit antimalarial tablets in copied blister packs, moved in mixed cargo across land borders (synthetic scenario)",
            "countries_seen": affected,
        ], tag: "alert"))]
    }

    public mutating func answered(_ notice: OutgoingNotice, messageID: String, refusal: String?, atMillis now: Int64) -> [AgentAction] {
        if let refusal {
            state.counts.refusedByNexd += 1
            return [.say("\(notice.kind) on \(notice.topic) refused: \(refusal)")]
        }
        let parts = notice.tag.split(separator: " ").map(String.init)
        if parts.count == 4, parts[0] == "notice" {
            return [.say("\(notice.kind) notice \(messageID) published on \(notice.topic)"),
                    .publish(decision(request: parts[1], requester: parts[2], country: parts[3], notice: messageID))]
        }
        return [.say("\(notice.kind) \(messageID) published on \(notice.topic)")]
    }

    public var summary: [String] {
        let counts = state.counts
        return ["\(node): reviewed \(counts.requests) requests (\(counts.accepted) accepted, \(counts.refused) refused); published "
            + "\(counts.unSpecial) UN special notices and \(counts.alerts) alerts; \(counts.refusedByNexd) refused by nexd"]
    }
}
