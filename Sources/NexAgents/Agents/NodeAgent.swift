import Foundation

/// A node's behaviour as a value (issue 16 §3): events in — a verified delivery, the clock, nexd's
/// answer to what it published — and actions out. The agent runner (NexAgentRunner) does the I/O:
/// the node's own mTLS connection, durable subscriptions, end-to-end verification, signing,
/// keeping ``encodedState()`` on disk before it receipts a delivery. `nex node run` runs one agent;
/// `nex simulate` will run many as lanes of one process.
public protocol NodeAgent: Sendable {
    /// The node id (its certificate's CN).
    var node: String { get }
    /// The topic filters the agent subscribes to durably (one inbox each).
    var subscriptions: [String] { get }
    /// When the agent next has work of its own (a traveller, a scheduled publication), Unix ms.
    var nextDueMillis: Int64? { get }

    /// Applies one delivery whose signature the runner verified end to end.
    mutating func receive(_ delivery: AgentDelivery, atMillis now: Int64) -> [AgentAction]
    /// Does the work due at `now`.
    mutating func tick(atMillis now: Int64) -> [AgentAction]
    /// nexd's answer to `notice`: accepted as `messageID`, or refused with `refusal`.
    mutating func answered(_ notice: OutgoingNotice, messageID: String, refusal: String?, atMillis now: Int64) -> [AgentAction]
    /// What the agent keeps on disk (written before a delivery is receipted); nil: nothing.
    func encodedState() throws -> Data?
    /// Lines that sum up the run (printed at exit).
    var summary: [String] { get }
}

/// A delivery as an agent reads it (its signature verified by the runner).
public struct AgentDelivery: Sendable, Equatable {
    public let messageID: String
    public let kind: String
    public let topic: String
    public let sender: String
    public let document: [UInt8]

    public init(messageID: String, kind: String, topic: String, sender: String, document: [UInt8]) {
        self.messageID = messageID
        self.kind = kind
        self.topic = topic
        self.sender = sender
        self.document = document
    }

    /// The document as a JSON object (nil when it is not one).
    public var object: [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(document)) as? [String: Any]
    }
}

/// A notice an agent wants published: the runner signs it with the node's key as a new message.
public struct OutgoingNotice: Sendable, Equatable, Codable {
    public var topic: String
    public var kind: String
    public var document: [UInt8]
    /// The envelope's allowed nodes and countries (a reply's border post, a diffusion's recipients).
    public var allowedNodes: [String]
    public var allowedCountries: [String]
    /// The agent's own note of what this is, handed back in ``NodeAgent/answered(_:messageID:refusal:atMillis:)``.
    public var tag: String
    /// In a simulation: the simulated minute the notice belongs to (the runner ignores it; the
    /// simulation reads it back from nexd's answer, ``SimulationLedger``).
    public var simulatedMinute: Double?

    public init(topic: String, kind: String, document: [UInt8], allowedNodes: [String] = [], allowedCountries: [String] = [], tag: String = "") {
        self.topic = topic
        self.kind = kind
        self.document = document
        self.allowedNodes = allowedNodes
        self.allowedCountries = allowedCountries
        self.tag = tag
    }

    /// `object` as a notice document: JSON with sorted keys (what the agents publish).
    public init(topic: String, kind: String, object: [String: Any], allowedNodes: [String] = [], allowedCountries: [String] = [], tag: String = "") {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        self.init(topic: topic, kind: kind, document: Array(data), allowedNodes: allowedNodes, allowedCountries: allowedCountries, tag: tag)
    }
}

/// What an agent asks the runner to do.
public enum AgentAction: Sendable, Equatable {
    /// Sign and publish (kept and retried while nexd cannot be reached).
    case publish(OutgoingNotice)
    /// Print a line of the agent's log.
    case say(String)
}

/// Times as notices write them.
public enum AgentClock {
    /// `2026-12-03T14:52:10Z`: RFC 3339 UTC, whole seconds.
    public static func dateTime(millis: Int64) -> String {
        Date(timeIntervalSince1970: Double(millis / 1000)).formatted(.iso8601)
    }

    /// `2026-12-03`.
    public static func date(millis: Int64) -> String {
        String(dateTime(millis: millis).prefix(10))
    }
}
