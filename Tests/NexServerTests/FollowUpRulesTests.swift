import NexBroker
import NexNotices
import NexWire
import Testing
@testable import NexServer

/// Who may follow up which record, and when (D57): one row per rule of docs/NOTICES.md.
@Suite struct FollowUpRulesTests {
    static let id = MessageID(string: "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b")!

    static func record(owner: String, kind: NoticeKind = .red, topic: String, state: NoticeRecord.State = .active,
                       version: Int = 1) -> NoticeRegistry.View {
        NoticeRegistry.View(id: id, acceptedSequence: 7, acceptedAtMillis: 0, owner: owner, kind: kind, topic: topic, state: state, version: version,
                            restrictions: DisseminationRestrictions(), holders: [])
    }

    static let notice = record(owner: "gs.fr.lyon", topic: "notice.red.rw")
    static let request = record(owner: "ncb.rw.kigali", topic: "request.red.rw")
    static let diffusion = record(owner: "ncb.rw.kigali", kind: .diffusion, topic: "diffusion.rw")
    static let alert = record(owner: "cyber.rw.kigali", kind: .purple, topic: "alert.cyber.eastafrica")

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let kind: NoticeKind
        let sender: String
        let role: NodeRole
        let topic: String
        let original: NoticeRegistry.View?
        var version: Int? = nil
        var documentKind: NoticeKind? = nil
        var followedUp: MessageID? = nil
        /// nil: allowed; else a phrase the refusal contains.
        let refusal: String?
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "gs cancels a notice", kind: .cancel, sender: "gs.fr.lyon", role: .gs, topic: "notice.red.rw", original: notice, refusal: nil),
        Row(name: "gs updates a notice to v2", kind: .update, sender: "gs.fr.lyon", role: .gs, topic: "notice.red.rw", original: notice,
            version: 2, documentKind: .red, refusal: nil),
        Row(name: "gs updates v3 to v4", kind: .update, sender: "gs.fr.lyon", role: .gs, topic: "notice.red.rw",
            original: record(owner: "gs.fr.lyon", topic: "notice.red.rw", version: 3), version: 4, documentKind: .red, refusal: nil),
        Row(name: "gs cancels an alert", kind: .cancel, sender: "gs.fr.lyon", role: .gs, topic: "alert.cyber.eastafrica", original: alert, refusal: nil),
        Row(name: "the requesting ncb withdraws its request", kind: .withdraw, sender: "ncb.rw.kigali", role: .ncb, topic: "request.red.rw",
            original: request, refusal: nil),
        Row(name: "the originating ncb cancels its diffusion", kind: .cancel, sender: "ncb.rw.kigali", role: .ncb, topic: "diffusion.rw",
            original: diffusion, refusal: nil),
        Row(name: "the originating ncb updates its diffusion", kind: .update, sender: "ncb.rw.kigali", role: .ncb, topic: "diffusion.rw",
            original: diffusion, version: 2, documentKind: .diffusion, refusal: nil),
        Row(name: "unknown original", kind: .cancel, sender: "gs.fr.lyon", role: .gs, topic: "notice.red.rw", original: nil,
            refusal: "unknown original"),
        Row(name: "follow-up of a follow-up", kind: .cancel, sender: "gs.fr.lyon", role: .gs, topic: "notice.red.rw", original: nil,
            followedUp: id, refusal: "is a follow-up itself"),
        Row(name: "wrong topic", kind: .cancel, sender: "gs.fr.lyon", role: .gs, topic: "notice.red.ke", original: notice,
            refusal: "the original's topic notice.red.rw"),
        Row(name: "an ncb cancels a notice", kind: .cancel, sender: "ncb.rw.kigali", role: .ncb, topic: "notice.red.rw", original: notice,
            refusal: "the General Secretariat updates and cancels"),
        Row(name: "the cyber centre cancels its own alert", kind: .cancel, sender: "cyber.rw.kigali", role: .cyber,
            topic: "alert.cyber.eastafrica", original: alert, refusal: "the General Secretariat updates and cancels"),
        Row(name: "another ncb withdraws the request", kind: .withdraw, sender: "ncb.ug.kampala", role: .ncb, topic: "request.red.rw",
            original: request, refusal: "only the requesting NCB ncb.rw.kigali"),
        Row(name: "the gs withdraws a request", kind: .withdraw, sender: "gs.fr.lyon", role: .gs, topic: "request.red.rw",
            original: request, refusal: "only the requesting NCB"),
        Row(name: "another ncb cancels a diffusion", kind: .cancel, sender: "ncb.ug.kampala", role: .ncb, topic: "diffusion.rw",
            original: diffusion, refusal: "only the originating NCB ncb.rw.kigali"),
        Row(name: "update of a cancelled notice", kind: .update, sender: "gs.fr.lyon", role: .gs, topic: "notice.red.rw",
            original: record(owner: "gs.fr.lyon", topic: "notice.red.rw", state: .cancelled), version: 2, documentKind: .red,
            refusal: "it was cancelled"),
        Row(name: "cancel of a cancelled notice", kind: .cancel, sender: "gs.fr.lyon", role: .gs, topic: "notice.red.rw",
            original: record(owner: "gs.fr.lyon", topic: "notice.red.rw", state: .cancelled), refusal: "it was cancelled"),
        Row(name: "withdraw of a withdrawn request", kind: .withdraw, sender: "ncb.rw.kigali", role: .ncb, topic: "request.red.rw",
            original: record(owner: "ncb.rw.kigali", topic: "request.red.rw", state: .withdrawn), refusal: "it was withdrawn"),
        Row(name: "wrong version", kind: .update, sender: "gs.fr.lyon", role: .gs, topic: "notice.red.rw",
            original: record(owner: "gs.fr.lyon", topic: "notice.red.rw", version: 2), version: 2, documentKind: .red,
            refusal: "version must be 3 (the current version is 2), got 2"),
        Row(name: "update with another kind", kind: .update, sender: "gs.fr.lyon", role: .gs, topic: "notice.red.rw", original: notice,
            version: 2, documentKind: .blue, refusal: "document.kind must be red"),
    ]

    @Test(arguments: rows)
    func rule(_ row: Row) {
        let followUp = FollowUp(kind: row.kind, original: Self.id.description, reason: .arrest, version: row.version, documentKind: row.documentKind)
        let refusal = FollowUpRules.refusal(of: followUp, topic: row.topic, sender: row.sender, role: row.role, original: row.original,
                                            followedUpOriginal: row.followedUp)
        if let expected = row.refusal {
            #expect(refusal?.contains(expected) == true, "\(refusal ?? "allowed")")
        } else {
            #expect(refusal == nil, "\(refusal ?? "")")
        }
    }

    /// The topic conventions send each follow-up kind to the families it may travel on.
    @Test(arguments: [
        (NoticeKind.withdraw, "request.red.rw", true), (.withdraw, "notice.red.rw", false), (.cancel, "request.red.rw", false),
        (.update, "request.red.rw", false), (.cancel, "notice.red.rw", true), (.update, "alert.cyber.eastafrica", true),
        (.cancel, "diffusion.rw", true), (.cancel, "hit.rw", false), (.update, "hit.rw", false),
    ])
    func followUpTopics(_ kind: NoticeKind, _ topic: String, _ fits: Bool) throws {
        let violation = TopicConventions.violation(kind: kind, topic: try Topic(validating: topic), allowedCountries: [], allowedNodes: [])
        #expect((violation == nil) == fits, "\(violation ?? "fits")")
    }
}
