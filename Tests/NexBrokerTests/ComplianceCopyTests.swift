import NexBroker
import Testing

/// D55: a notice copied for compliance review (every diffusion) reaches a compliance reviewer the
/// originator's restrictions leave out, marked as a compliance copy; nothing else changes.
@Suite struct ComplianceCopyTests {
    static let topic = try! Topic(validating: "diffusion.rw")
    static let origin = "ncb.rw.kigali"

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        var node = "gs.fr.lyon"
        var country = "fr"
        var reviewsCompliance = true
        var copiesForCompliance = true
        var permissions = NodePermissions(publishAllow: [], publishDeny: [], subscribeAllow: [try! TopicFilter(validating: ">")],
                                          subscribeDeny: [])
        var restrictions = DisseminationRestrictions(allowedCountries: ["ug"])
        let expected: SubscriberFacts.Delivery
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "a reviewer outside the allow list gets a compliance copy", expected: .delivered(isComplianceCopy: true)),
        Row(name: "a reviewer the originator denied by node still gets it",
            restrictions: DisseminationRestrictions(allowedCountries: ["ug"], deniedNodes: ["gs.fr.lyon"]), expected: .delivered(isComplianceCopy: true)),
        Row(name: "a reviewer the originator denied by country still gets it",
            restrictions: DisseminationRestrictions(deniedCountries: ["fr"]), expected: .delivered(isComplianceCopy: true)),
        Row(name: "a reviewer inside the allow list gets an ordinary delivery",
            restrictions: DisseminationRestrictions(allowedCountries: ["fr"]), expected: .delivered(isComplianceCopy: false)),
        Row(name: "a reviewer's own permissions still withhold it", permissions: .denyAll, expected: .withheld(.subscriberPermission)),
        Row(name: "no copy of a notice not copied for compliance", copiesForCompliance: false, expected: .withheld(.notAllowed)),
        Row(name: "no copy for a node that does not review", node: "ncb.ke.nairobi", country: "ke", reviewsCompliance: false,
            expected: .withheld(.notAllowed)),
    ]

    @Test(arguments: rows) func decides(_ row: Row) {
        let facts = SubscriberFacts(node: row.node, country: row.country, permissions: row.permissions, reviewsCompliance: row.reviewsCompliance)
        #expect(facts.delivery(of: Self.topic, from: Self.origin, restrictions: row.restrictions,
                               copiesForCompliance: row.copiesForCompliance) == row.expected)

        var table = SubscriptionTable<UInt64>()
        table.insert(try! TopicFilter(validating: "diffusion.>"), subscriber: 4, subscriptionID: 2)
        let decision = RoutingDecision.route(Self.topic, from: Self.origin, restrictions: row.restrictions,
                                             copiesForCompliance: row.copiesForCompliance, in: table) { $0 == 4 ? facts : nil }
        switch row.expected {
        case .delivered(let isComplianceCopy):
            #expect(decision.recipients == [.init(connection: 4, node: row.node, subscriptionIDs: [2], isComplianceCopy: isComplianceCopy)])
            #expect(decision.withheld.isEmpty)
        case .withheld(let reason):
            #expect(decision.recipients.isEmpty)
            #expect(decision.withheld == [.init(connection: 4, node: row.node, reason: reason)])
        }
    }
}
