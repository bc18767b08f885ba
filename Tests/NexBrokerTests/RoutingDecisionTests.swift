import NexBroker
import Testing

/// Routing decisions: the subscriber's permissions, the originator's restrictions, self-delivery,
/// several subscriptions per connection, order and unknown connections.
@Suite struct RoutingDecisionTests {
    static let topic = try! Topic(validating: "notice.red.fr")
    static let origin = "ncb.fr.paris"

    static func filter(_ text: String) -> TopicFilter { try! TopicFilter(validating: text) }

    static func permissions(subscribe allow: [String], deny: [String] = []) -> NodePermissions {
        NodePermissions(publishAllow: [], publishDeny: [], subscribeAllow: allow.map(filter), subscribeDeny: deny.map(filter))
    }

    /// One subscriber connection (id 1) with `filters` (ids 1…), and what the decision must be for it.
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        var node = "ncb.ke.nairobi"
        var country = "ke"
        var permissions = RoutingDecisionTests.permissions(subscribe: [">"])
        var filters = ["notice.>"]
        var restrictions = DisseminationRestrictions()
        /// Subscription ids delivered to, or nil when withheld.
        var delivered: [UInt32]?
        var withheld: WithholdingReason?
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "unrestricted", delivered: [1]),
        Row(name: "two matching subscriptions, one recipient", filters: ["notice.>", "notice.red.*", "hit.>"], delivered: [1, 2]),
        Row(name: "subscriber's deny rule inside a wider subscription",
            permissions: permissions(subscribe: [">"], deny: ["notice.red.>"]), withheld: .subscriberPermission),
        Row(name: "subscriber not allowed at all", permissions: .denyAll, withheld: .subscriberPermission),
        Row(name: "denied node", restrictions: DisseminationRestrictions(deniedNodes: ["ncb.ke.nairobi"]), withheld: .deniedNode),
        Row(name: "denied country", restrictions: DisseminationRestrictions(deniedCountries: ["ke"]), withheld: .deniedCountry),
        Row(name: "deny wins over allow", restrictions: DisseminationRestrictions(deniedCountries: ["ke"], allowedNodes: ["ncb.ke.nairobi"]),
            withheld: .deniedCountry),
        Row(name: "not among the allowed", restrictions: DisseminationRestrictions(allowedCountries: ["ug"]), withheld: .notAllowed),
        Row(name: "allowed country", restrictions: DisseminationRestrictions(allowedCountries: ["ke"]), delivered: [1]),
        Row(name: "allowed node", restrictions: DisseminationRestrictions(allowedNodes: ["ncb.ke.nairobi"]), delivered: [1]),
        Row(name: "the originator's restrictions never hide its notice from itself", node: origin, country: "fr",
            restrictions: DisseminationRestrictions(deniedCountries: ["fr"], deniedNodes: [origin]), delivered: [1]),
        Row(name: "the originator's own permissions still apply to itself", node: origin, country: "fr",
            permissions: .denyAll, withheld: .subscriberPermission),
    ]

    @Test(arguments: rows) func decides(_ row: Row) {
        var table = SubscriptionTable<UInt64>()
        for (index, text) in row.filters.enumerated() {
            table.insert(Self.filter(text), subscriber: 1, subscriptionID: UInt32(index + 1))
        }
        let facts = SubscriberFacts(node: row.node, country: row.country, permissions: row.permissions)
        let decision = RoutingDecision.route(Self.topic, from: Self.origin, restrictions: row.restrictions, in: table) {
            $0 == 1 ? facts : nil
        }
        if let delivered = row.delivered {
            #expect(decision.recipients == [.init(connection: 1, node: row.node, subscriptionIDs: delivered)])
            #expect(decision.withheld.isEmpty)
        } else if let reason = row.withheld {
            #expect(decision.recipients.isEmpty)
            #expect(decision.withheld == [.init(connection: 1, node: row.node, reason: reason)])
        }
        #expect(decision.hasRestrictions == !row.restrictions.isUnrestricted)
        #expect(decision.restrictions == row.restrictions)
    }

    @Test func connectionsAreInAscendingOrderAndUnknownOnesAreSkipped() {
        var table = SubscriptionTable<UInt64>()
        for connection: UInt64 in [9, 3, 5, 7] { table.insert(Self.filter(">"), subscriber: connection, subscriptionID: 4) }
        table.insert(Self.filter("hit.>"), subscriber: 11, subscriptionID: 1)   // does not match
        let everything = Self.permissions(subscribe: [">"])
        let facts: [UInt64: SubscriberFacts] = [
            3: SubscriberFacts(node: "a.ke.one", country: "ke", permissions: everything),
            5: SubscriberFacts(node: "b.tz.two", country: "tz", permissions: everything),
            9: SubscriberFacts(node: "c.ke.three", country: "ke", permissions: everything),
            11: SubscriberFacts(node: "d.ke.four", country: "ke", permissions: everything),
        ]
        let decision = RoutingDecision.route(Self.topic, from: Self.origin, restrictions: DisseminationRestrictions(deniedCountries: ["tz"]),
                                             in: table) { facts[$0] }
        #expect(decision.recipients.map(\.connection) == [3, 9])
        #expect(decision.withheld == [.init(connection: 5, node: "b.tz.two", reason: .deniedCountry)])
    }

    @Test func restrictionsAreDescribedSortedInAFixedOrder() {
        let restrictions = DisseminationRestrictions(allowedCountries: ["ug", "ke"], deniedCountries: ["tz"],
                                                     allowedNodes: [], deniedNodes: ["z.ke.x", "a.ke.y"])
        #expect(restrictions.recordDescription == "allow-countries=ke,ug deny-countries=tz deny-nodes=a.ke.y,z.ke.x")
        #expect(DisseminationRestrictions().recordDescription == "")
    }
}
