import Foundation
import NexNotices

/// The regional cybercrime centre in Kigali (issue 16 §3): publishes cybercrime alerts (purple,
/// on `alert.cyber.<region>`, which every role reads).
public struct CyberCentreAgent: NodeAgent {
    public struct State: Sendable, Equatable, Codable {
        public var published = 0
        public var nextPublishMillis: Int64?
        public var refused = 0
    }

    static let schemes = [
        "SIM-swap fraud emptying mobile-money wallets after a fake operator support call",
        "Business e-mail compromise redirecting cross-border freight payments",
        "Ransomware against hospital systems, paid through newly registered wallets",
        "Fake online pharmacies selling counterfeit antimalarials",
    ]

    public let node: String
    public let countries: [String]
    public let publishEverySeconds: Double
    public let seed: UInt64
    public private(set) var state: State

    public init(node: String, countries: [String], seed: UInt64, publishEverySeconds: Double = 60, state saved: State? = nil) {
        self.node = node
        self.countries = countries.isEmpty ? ["rw"] : countries
        self.seed = TravellerStream.seed(seed, post: node, index: 0)
        self.publishEverySeconds = max(publishEverySeconds, 0)
        state = saved ?? State()
    }

    public static func state(decoding data: Data) throws -> State { try JSONDecoder().decode(State.self, from: data) }

    public var subscriptions: [String] { [] }
    public var nextDueMillis: Int64? { publishEverySeconds > 0 ? state.nextPublishMillis ?? 0 : nil }

    public func encodedState() throws -> Data? { try JSONEncoder().encode(state) }

    public mutating func receive(_ delivery: AgentDelivery, atMillis now: Int64) -> [AgentAction] { [] }

    public mutating func tick(atMillis now: Int64) -> [AgentAction] {
        guard let due = nextDueMillis, due <= now else { return [] }
        state.nextPublishMillis = now + Int64(publishEverySeconds * 1000)
        var generator = SeededGenerator(seed: seed &+ UInt64(state.published) &* 0x9E37_79B9_7F4A_7C15)
        state.published += 1
        let scheme = Self.schemes.randomElement(using: &generator)!
        return [.publish(OutgoingNotice(topic: "alert.cyber.\(GeneralSecretariatAgent.regions.randomElement(using: &generator)!)",
                                        kind: NoticeKind.purple.rawValue, object: [
                                            "kind": "purple", "fictional": true, "crime_area": "cybercrime",
                                            "modus_operandi": "\(scheme) (synthetic scenario)",
                                            "countries_seen": Array(countries.shuffled(using: &generator).prefix(3)).sorted(),
                                        ], tag: "alert"))]
    }

    public mutating func answered(_ notice: OutgoingNotice, messageID: String, refusal: String?, atMillis now: Int64) -> [AgentAction] {
        if let refusal { state.refused += 1; return [.say("alert refused: \(refusal)")] }
        return [.say("cyber alert \(messageID) published on \(notice.topic)")]
    }

    public var summary: [String] { ["\(node): published \(state.published - state.refused) cyber alerts, \(state.refused) refused"] }
}
