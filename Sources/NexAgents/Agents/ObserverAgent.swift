import Foundation

/// A node that reads and counts (a regional bureau): its deliveries by kind.
public struct ObserverAgent: NodeAgent {
    public let node: String
    public let subscriptions: [String]
    public private(set) var received: [String: Int] = [:]

    public init(node: String, subscriptions: [String]) {
        self.node = node
        self.subscriptions = subscriptions
    }

    public var nextDueMillis: Int64? { nil }
    public func encodedState() throws -> Data? { nil }

    public mutating func receive(_ delivery: AgentDelivery, atMillis now: Int64) -> [AgentAction] {
        received[delivery.kind, default: 0] += 1
        return [.say("\(delivery.kind) \(delivery.messageID) on \(delivery.topic) from \(delivery.sender)")]
    }

    public mutating func tick(atMillis now: Int64) -> [AgentAction] { [] }
    public mutating func answered(_ notice: OutgoingNotice, messageID: String, refusal: String?, atMillis now: Int64) -> [AgentAction] { [] }

    public var summary: [String] {
        ["\(node): received " + (received.isEmpty ? "nothing" : received.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))]
    }
}
