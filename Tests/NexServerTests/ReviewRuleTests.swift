import NexBroker
import NexNotices
import Testing
@testable import NexServer

/// The review rule (D55, D59): who may publish alerts and decisions, whatever the permissions say.
@Suite struct ReviewRuleTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let topic: String
        /// The roles that may publish on it.
        let publishers: Set<NodeRole>
        var testDescription: String { topic }
    }

    static let rows: [Row] = [
        Row(topic: "alert.cyber.eastafrica", publishers: [.gs, .cyber]),
        Row(topic: "alert.cbrne.eastafrica", publishers: [.gs]),
        Row(topic: "alert.terrorism.eastafrica", publishers: [.gs]),
        Row(topic: "alert.pharma.eastafrica", publishers: [.gs]),
        Row(topic: "decision.rw", publishers: [.gs]),
        // Families the rule leaves to the permissions.
        Row(topic: "notice.red.rw", publishers: Set(NodeRole.allCases)),
        Row(topic: "request.red.rw", publishers: Set(NodeRole.allCases)),
        Row(topic: "diffusion.rw", publishers: Set(NodeRole.allCases)),
        Row(topic: "hit.rw", publishers: Set(NodeRole.allCases)),
    ]

    @Test(arguments: rows) func onlyTheTableRolesPublish(_ row: Row) throws {
        let topic = try Topic(validating: row.topic)
        for role in NodeRole.allCases {
            let refusal = ReviewRule.refusal(role: role, topic: topic)
            #expect((refusal == nil) == row.publishers.contains(role), "\(role.rawValue) on \(row.topic): \(refusal ?? "allowed")")
        }
    }

    @Test func anNCBIsToldHowToAsk() throws {
        let reason = try #require(ReviewRule.refusal(role: .ncb, topic: try Topic(validating: "alert.cbrne.eastafrica")))
        #expect(reason.contains("request.orange.<country> or request.purple.<country>"))
        let rb = try #require(ReviewRule.refusal(role: .rb, topic: try Topic(validating: "alert.cbrne.eastafrica")))
        #expect(!rb.contains("request.orange"))
    }
}
