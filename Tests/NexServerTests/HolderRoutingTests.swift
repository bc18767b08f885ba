import NexBroker
import NexNotices
import Testing
@testable import NexServer

/// Holders of a follow-up's original that topic routing did not reach (D57).
@Suite struct HolderRoutingTests {
    static let everything = NodePermissions(publishAllow: [], publishDeny: [], subscribeAllow: [try! TopicFilter(validating: ">")], subscribeDeny: [])

    static func connection(_ id: UInt64, _ node: String, _ country: String, lifecycle: Bool) -> HolderRouting.Connection {
        .init(id: id, facts: SubscriberFacts(node: node, country: country, permissions: everything), hasLifecycle: lifecycle)
    }

    @Test func holdersAreReachedOnLifecycleConnectionsOnly() throws {
        let connections: [String: [HolderRouting.Connection]] = [
            "bcp.ke.busia": [Self.connection(3, "bcp.ke.busia", "ke", lifecycle: true), Self.connection(5, "bcp.ke.busia", "ke", lifecycle: false)],
            "ncb.ug.kampala": [Self.connection(4, "ncb.ug.kampala", "ug", lifecycle: false)],
            "ncb.rw.kigali": [Self.connection(6, "ncb.rw.kigali", "rw", lifecycle: true)],
            "ncb.tz.dar": [Self.connection(7, "ncb.tz.dar", "tz", lifecycle: true)],
        ]
        let result = HolderRouting.route(
            holders: ["bcp.ke.busia", "ncb.rw.kigali", "ncb.tz.dar", "ncb.ug.kampala", "offline.node"], reached: ["ncb.rw.kigali"],
            topic: try Topic(validating: "notice.red.rw"), from: "gs.fr.lyon", restrictions: DisseminationRestrictions(),
            original: OriginalRestrictions(DisseminationRestrictions(deniedCountries: ["tz"]), owner: "gs.fr.lyon")) { connections[$0] ?? [] }
        #expect(result.recipients == [.init(connection: 3, node: "bcp.ke.busia", subscriptionIDs: [])])
        #expect(result.withheld == [
            .init(connection: 5, node: "bcp.ke.busia", reason: .noCapability),
            .init(connection: 7, node: "ncb.tz.dar", reason: .deniedCountry),
            .init(connection: 4, node: "ncb.ug.kampala", reason: .noCapability),
        ])
    }

    /// A holder connection topic routing already withheld (say, its permissions changed by a reload)
    /// is not listed twice.
    @Test func aConnectionWithheldByTopicRoutingIsNotJudgedAgain() throws {
        let connections = [Self.connection(3, "bcp.ke.busia", "ke", lifecycle: true), Self.connection(4, "bcp.ke.busia", "ke", lifecycle: true)]
        let result = HolderRouting.route(
            holders: ["bcp.ke.busia"], reached: [], judged: [3], topic: try Topic(validating: "notice.red.rw"), from: "gs.fr.lyon",
            restrictions: DisseminationRestrictions(), original: OriginalRestrictions(DisseminationRestrictions(), owner: "gs.fr.lyon")) { _ in connections }
        #expect(result.recipients == [.init(connection: 4, node: "bcp.ke.busia", subscriptionIDs: [])])
        #expect(result.withheld.isEmpty)
    }

    @Test func theOriginalsRestrictionsNeverHideItFromItsOwner() {
        let original = OriginalRestrictions(DisseminationRestrictions(allowedCountries: ["ke"]), owner: "ncb.rw.kigali")
        let owner = SubscriberFacts(node: "ncb.rw.kigali", country: "rw", permissions: Self.everything)
        let other = SubscriberFacts(node: "ncb.ug.kampala", country: "ug", permissions: Self.everything)
        #expect(original.withholdingReason(for: owner) == nil)
        #expect(original.withholdingReason(for: other) == .notAllowed)
    }
}
