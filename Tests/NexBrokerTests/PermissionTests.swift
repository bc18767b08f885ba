import NexBroker
import Testing

@Suite struct TopicFilterCoveringTests {
    @Test(arguments: [
        (">", "notice.red.fr", true), (">", ">", true), ("notice.>", "notice.*.fr", true), ("notice.>", "notice.>", true),
        ("notice.>", "notice", false), ("notice.*.fr", "notice.red.fr", true), ("notice.*.fr", "notice.*.fr", true),
        ("notice.*.fr", "notice.>", false), ("notice.*.fr", "notice.red.rw", false), ("notice.red.fr", "notice.*.fr", false),
        ("hit.rw", "hit.rw", true), ("hit.rw", "hit.*", false), ("hit.*", "hit.>", false), ("a.*", "a.*.b", false),
    ])
    func covers(pattern: String, filter: String, expected: Bool) throws {
        #expect(try TopicFilter(validating: pattern).covers(TopicFilter(validating: filter)) == expected)
    }

    @Test(arguments: [
        ("notice.>", "notice.*.fr", true), ("notice.red.>", "notice.*.fr", true), ("hit.rw", "hit.ke", false),
        ("a.*", "a.b.c", false), ("a.>", "*.b", true), ("a.b", "a.b.c", false), (">", "x", true),
    ])
    func overlaps(first: String, second: String, expected: Bool) throws {
        let a = try TopicFilter(validating: first), b = try TopicFilter(validating: second)
        #expect(a.overlaps(b) == expected)
        #expect(b.overlaps(a) == expected)
    }
}

@Suite struct PermissionTests {
    /// The shipped workflow, restated: the tests pin its meaning.
    static let policy = PermissionPolicy(
        roles: [
            "gs": ActionPermissions(publish: .init(allow: ["notice.>", "alert.>"]),
                                    subscribe: .init(allow: ["request.>", "notice.>", "hit.>", "alert.>"])),
            "ncb": ActionPermissions(publish: .init(allow: ["request.*.%country", "diffusion.%country", "alert.>"]),
                                     subscribe: .init(allow: ["notice.>", "diffusion.>", "hit.%country", "alert.>"], deny: ["request.>"])),
            "bcp": ActionPermissions(publish: .init(allow: ["hit.*"]), subscribe: .init(allow: ["notice.>", "alert.>"], deny: ["notice.black.>"])),
        ],
        nodes: ["bcp.rw.rusumo": ActionPermissions(subscribe: .init(allow: ["diffusion.rw"]))])

    static func node(_ id: String, _ role: String, _ country: String) throws -> NodePermissions {
        try policy.permissions(node: id, role: role, country: country)
    }

    @Test(arguments: [
        ("gs.fr.lyon", "gs", "fr", "notice.red.rw", true),
        ("gs.fr.lyon", "gs", "fr", "request.red.rw", false),          // default deny: no allow rule
        ("ncb.rw.kigali", "ncb", "rw", "request.red.rw", true),       // %country substituted
        ("ncb.rw.kigali", "ncb", "rw", "request.red.ug", false),      // another country's requests
        ("ncb.rw.kigali", "ncb", "rw", "notice.red.rw", false),       // only gs publishes notices
        ("ncb.rw.kigali", "ncb", "rw", "diffusion.rw", true),
        ("ncb.ug.kampala", "ncb", "ug", "diffusion.rw", false),
        ("bcp.ke.busia", "bcp", "ke", "hit.rw", true),                // hit.* to any owner
        ("bcp.ke.busia", "bcp", "ke", "notice.red.ke", false),
        ("cyber.rw.kigali", "cyber", "rw", "alert.cyber.eastafrica", false), // no rules for the role: deny
    ])
    func publish(node: String, role: String, country: String, topic: String, allowed: Bool) throws {
        let permissions = try Self.node(node, role, country)
        #expect(permissions.allowsPublish(to: try Topic(validating: topic)).isAllowed == allowed)
    }

    @Test(arguments: [
        ("gs.fr.lyon", "gs", "fr", "request.>", true),
        ("ncb.rw.kigali", "ncb", "rw", "request.>", false),           // explicit deny wins
        ("ncb.rw.kigali", "ncb", "rw", "request.red.rw", false),      // deny covers it
        ("ncb.rw.kigali", "ncb", "rw", "hit.rw", true),
        ("ncb.rw.kigali", "ncb", "rw", "hit.ug", false),
        ("ncb.rw.kigali", "ncb", "rw", "hit.*", false),               // allow hit.rw does not cover hit.*
        ("ncb.rw.kigali", "ncb", "rw", ">", false),
        ("bcp.ke.busia", "bcp", "ke", "notice.>", true),              // partial deny: allowed, filtered per message
        ("bcp.ke.busia", "bcp", "ke", "notice.black.>", false),       // deny covers it all
        ("bcp.ke.busia", "bcp", "ke", "diffusion.rw", false),
        ("bcp.rw.rusumo", "bcp", "rw", "diffusion.rw", true),         // per-node override adds
        ("bcp.rw.rusumo", "bcp", "rw", "hit.rw", false),              // border points only read notices
    ])
    func subscribe(node: String, role: String, country: String, filter: String, allowed: Bool) throws {
        let permissions = try Self.node(node, role, country)
        #expect(permissions.allowsSubscribe(to: try TopicFilter(validating: filter)).isAllowed == allowed)
    }

    @Test func aPartialDenyWithholdsMatchingDeliveries() throws {
        let busia = try Self.node("bcp.ke.busia", "bcp", "ke")
        #expect(busia.allowsDelivery(of: try Topic(validating: "notice.red.rw")))
        #expect(!busia.allowsDelivery(of: try Topic(validating: "notice.black.rw")))
    }

    @Test func deniedDecisionsSayWhy() throws {
        let kigali = try Self.node("ncb.rw.kigali", "ncb", "rw")
        #expect(kigali.allowsSubscribe(to: try TopicFilter(validating: "request.>")) == .denied("subscribing to request.> is denied by rule \"request.>\""))
        #expect(kigali.allowsPublish(to: try Topic(validating: "notice.red.rw")) == .denied("no publish rule allows notice.red.rw"))
    }

    @Test func aPatternThatIsInvalidAfterSubstitutionIsAnError() {
        let policy = PermissionPolicy(roles: ["gs": ActionPermissions(publish: .init(allow: ["notice.%node.>"]))])
        #expect(throws: TopicError.self) { try policy.permissions(node: "GS", role: "gs", country: "fr") }
    }
}

@Suite struct RestrictionTests {
    @Test(arguments: [
        ([], [], "ncb.tz.dar-es-salaam", "tz", nil),
        (["ug", "ke"], [], "ncb.ug.kampala", "ug", nil),
        (["ug", "ke"], [], "ncb.tz.dar-es-salaam", "tz", WithholdingReason.notAllowed),
        ([], ["tz"], "ncb.tz.dar-es-salaam", "tz", .deniedCountry),
        ([], ["tz"], "ncb.ke.nairobi", "ke", nil),
        (["ug", "tz"], ["tz"], "ncb.tz.dar-es-salaam", "tz", .deniedCountry),  // denied wins over allowed
    ] as [([String], [String], String, String, WithholdingReason?)])
    func countries(allowed: [String], denied: [String], node: String, country: String, expected: WithholdingReason?) {
        let restrictions = DisseminationRestrictions(allowedCountries: allowed, deniedCountries: denied)
        #expect(restrictions.withholdingReason(node: node, country: country) == expected)
    }

    @Test func nodesCanBeAllowedOrDeniedByName() {
        let restrictions = DisseminationRestrictions(allowedCountries: ["ug"], allowedNodes: ["rb.ke.nairobi"], deniedNodes: ["ncb.ug.kampala"])
        #expect(restrictions.withholdingReason(node: "rb.ke.nairobi", country: "ke") == nil)
        #expect(restrictions.withholdingReason(node: "bcp.ug.malaba", country: "ug") == nil)
        #expect(restrictions.withholdingReason(node: "ncb.ug.kampala", country: "ug") == .deniedNode)
        #expect(restrictions.withholdingReason(node: "ncb.ke.nairobi", country: "ke") == .notAllowed)
        #expect(!restrictions.isUnrestricted)
        #expect(DisseminationRestrictions().isUnrestricted)
    }
}
