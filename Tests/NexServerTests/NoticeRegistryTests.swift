import NexAudit
import NexBroker
import NexNotices
import NexWire
import Testing
@testable import NexServer

/// The notice registry as a value (D56): registration, follow-ups, undo, holders, and the
/// start-up fold from audit lines.
@Suite struct NoticeRegistryTests {
    static let original = MessageID(string: "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b")!
    static let cancelID = MessageID(string: "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8c")!

    func registry() -> NoticeRegistry {
        var registry = NoticeRegistry()
        registry.register(Self.original, owner: "gs.fr.lyon", kind: .red, topic: "notice.red.rw",
                          restrictions: DisseminationRestrictions(deniedCountries: ["tz"]),
                          holders: ["ncb.rw.kigali", "bcp.ke.busia", "ncb.rw.kigali"], acceptedSequence: 41)
        return registry
    }

    @Test func aRegisteredRecordIsLookedUpWithItsPartsResolved() throws {
        let registry = registry()
        let view = try #require(registry.lookup(Self.original))
        #expect(view.owner == "gs.fr.lyon" && view.kind == .red && view.topic == "notice.red.rw")
        #expect(view.state == .active && view.version == 1 && view.acceptedSequence == 41)
        #expect(view.restrictions == DisseminationRestrictions(deniedCountries: ["tz"]))
        #expect(view.holders == ["bcp.ke.busia", "ncb.rw.kigali"])
        #expect(registry.lookup(Self.cancelID) == nil)
    }

    @Test func hitsAndFollowUpsAreNotRegistered() {
        var registry = NoticeRegistry()
        registry.register(Self.original, owner: "bcp.ke.busia", kind: .hit, topic: "hit.rw", restrictions: .init(), holders: [], acceptedSequence: 3)
        registry.register(Self.cancelID, owner: "gs.fr.lyon", kind: .cancel, topic: "notice.red.rw", restrictions: .init(), holders: [], acceptedSequence: 4)
        #expect(registry.count == 0)
    }

    @Test func followUpsMoveTheStateAndAddHolders() throws {
        var registry = registry()
        let update = FollowUp(kind: .update, original: Self.original.description, reason: .other, reasonText: "photo", version: 2, documentKind: .red)
        let updateID = MessageID.random()
        #expect(registry.apply(update, id: updateID, holders: ["ncb.ug.kampala"], sequence: 50) != nil)
        var view = try #require(registry.lookup(Self.original))
        #expect(view.version == 2 && view.state == .active)
        #expect(view.holders == ["bcp.ke.busia", "ncb.rw.kigali", "ncb.ug.kampala"])
        #expect(registry.originalOfFollowUp(updateID) == Self.original)

        let cancel = FollowUp(kind: .cancel, original: Self.original.description, reason: .arrest)
        let applied = registry.apply(cancel, id: Self.cancelID, holders: [], sequence: 60)
        let before = try #require(applied)
        view = try #require(registry.lookup(Self.original))
        #expect(view.state == .cancelled && view.version == 2)
        // An append that failed is undone.
        registry.restore(before, of: Self.original, forgettingFollowUp: Self.cancelID)
        #expect(registry.lookup(Self.original)?.state == .active)
        #expect(registry.originalOfFollowUp(Self.cancelID) == nil)
        registry.forget(Self.original)
        #expect(registry.lookup(Self.original) == nil)
    }

    @Test func aFollowUpOfAnUnknownOriginalChangesNothing() {
        var registry = registry()
        let cancel = FollowUp(kind: .cancel, original: Self.cancelID.description, reason: .death)
        #expect(registry.apply(cancel, id: .random(), holders: ["x.y"], sequence: 9) == nil)
        #expect(registry.lookup(Self.original)?.state == .active)
    }

    // MARK: - Start-up fold

    static let hash = String(repeating: "0", count: 64)

    static func publishLine(seq: UInt64, msg: MessageID, kind: String, topic: String) -> ArraySlice<UInt8> {
        ArraySlice(#"{"seq":\#(seq),"time":"2026-12-03T07:00:00.000Z","event":"publish","outcome":"accepted","conn":3,"node":"gs.fr.lyon","country":"fr","peer":"127.0.0.1:5","cert":"\#(hash)","msg":"\#(msg)","topic":"\#(topic)","kind":"\#(kind)","issuedAt":"2026-12-03T07:00:00.000Z","digest":"\#(hash)","envelope":"AA==","prev":"\#(hash)","hash":"\#(hash)"}"#.utf8)
    }

    static func routeLine(seq: UInt64, msg: MessageID, topic: String) -> ArraySlice<UInt8> {
        ArraySlice(#"{"seq":\#(seq),"time":"2026-12-03T07:00:00.000Z","event":"route","node":"gs.fr.lyon","msg":"\#(msg)","topic":"\#(topic)","recipients":[{"node":"ncb.rw.kigali","conn":4,"subs":[1],"inboxes":["a\"{\"node\":\"x"]}],"queued":[{"node":"bcp.ke.busia","inbox":"notice.>"}],"withheld":[{"node":"ncb.tz.dar","conn":9,"reason":"denied-country"}],"restrictions":"deny-countries=tz","prev":"\#(hash)","hash":"\#(hash)"}"#.utf8)
    }

    @Test func anAcceptedRouteIsReadFromTheLinesBytes() throws {
        let route = try #require(AcceptedRoute(publish: Self.publishLine(seq: 41, msg: Self.original, kind: "red", topic: "notice.red.rw"),
                                               route: Self.routeLine(seq: 42, msg: Self.original, topic: "notice.red.rw")))
        #expect(route.acceptedSequence == 41 && route.messageID == Self.original.description && route.kind == "red")
        #expect(route.node == "gs.fr.lyon" && route.topic == "notice.red.rw")
        #expect(route.holders == ["ncb.rw.kigali", "bcp.ke.busia"])
        #expect(route.restrictions == "deny-countries=tz")
        // Not this publish's route: another sequence, or another message.
        #expect(AcceptedRoute(publish: Self.publishLine(seq: 40, msg: Self.original, kind: "red", topic: "notice.red.rw"),
                              route: Self.routeLine(seq: 42, msg: Self.original, topic: "notice.red.rw")) == nil)
        #expect(AcceptedRoute(publish: Self.publishLine(seq: 41, msg: Self.cancelID, kind: "red", topic: "notice.red.rw"),
                              route: Self.routeLine(seq: 42, msg: Self.original, topic: "notice.red.rw")) == nil)
    }

    @Test func theRebuildRegistersWhatTheLogAccepted() throws {
        var rebuild = RegistryRebuild()
        rebuild.apply(publish: Self.publishLine(seq: 41, msg: Self.original, kind: "red", topic: "notice.red.rw"),
                      route: Self.routeLine(seq: 42, msg: Self.original, topic: "notice.red.rw"))
        let hit = MessageID.random()
        rebuild.apply(publish: Self.publishLine(seq: 43, msg: hit, kind: "hit", topic: "hit.rw"), route: Self.routeLine(seq: 44, msg: hit, topic: "hit.rw"))
        let view = try #require(rebuild.registry.lookup(Self.original))
        #expect(view.restrictions == DisseminationRestrictions(deniedCountries: ["tz"]))
        #expect(view.holders == ["bcp.ke.busia", "ncb.rw.kigali"] && view.acceptedSequence == 41)
        // The acceptance time is the publish record's (D60: a hit may not be observed before it).
        #expect(view.acceptedAtMillis == Timestamp.parse("2026-12-03T07:00:00Z"))
        #expect(rebuild.registry.lookup(hit) == nil)
    }

    /// D60: the acceptance time fits the record's former padding — a record is still 32 bytes —
    /// and is kept to the second, rounded down.
    @Test func aRecordKeepsItsAcceptanceToTheSecondInThirtyTwoBytes() throws {
        #expect(MemoryLayout<NoticeRecord>.size == 32 && MemoryLayout<NoticeRecord>.stride == 32)
        var registry = NoticeRegistry()
        registry.register(Self.original, owner: "gs.fr.lyon", kind: .red, topic: "notice.red.rw", restrictions: .init(), holders: [],
                          acceptedSequence: 5, acceptedAtMillis: 1_796_284_800_999)
        #expect(try #require(registry.lookup(Self.original)).acceptedAtMillis == 1_796_284_800_000)
    }

    /// D60: one decision per request, undone when its audit batch fails.
    @Test func aRequestIsDecidedOnce() {
        var registry = NoticeRegistry()
        #expect(registry.decision(on: Self.original) == nil)
        registry.registerDecision(Self.cancelID, on: Self.original)
        registry.registerDecision(MessageID.random(), on: Self.original)
        #expect(registry.decision(on: Self.original) == Self.cancelID)
        registry.forgetDecision(on: Self.original)
        #expect(registry.decision(on: Self.original) == nil)
    }

    @Test(arguments: [
        DisseminationRestrictions(), DisseminationRestrictions(allowedCountries: ["ug", "ke"]),
        DisseminationRestrictions(allowedCountries: ["ug"], deniedCountries: ["tz"], allowedNodes: ["ncb.rw.kigali"], deniedNodes: ["a.b", "c.d"]),
    ])
    func restrictionsReadBackFromTheirRecordForm(_ restrictions: DisseminationRestrictions) {
        #expect(DisseminationRestrictions(recordDescription: restrictions.recordDescription) == restrictions)
    }
}
