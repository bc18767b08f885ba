import NexBroker
import NexNotices
import NexWire
import Testing
@testable import NexServer

/// Hits bound to the records they matched (D60): one row per rule of docs/NOTICES.md.
@Suite struct HitRulesTests {
    static let id = MessageID(string: "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b")!
    /// 2026-12-03T08:00:00Z.
    static let acceptedAt: Int64 = 1_796_284_800_000

    static func record(kind: NoticeKind = .red, topic: String = "notice.red.rw", state: NoticeRecord.State = .active,
                       version: Int = 1, owner: String = "gs.fr.lyon",
                       restrictions: DisseminationRestrictions = DisseminationRestrictions()) -> NoticeRegistry.View {
        NoticeRegistry.View(id: id, acceptedSequence: 7, acceptedAtMillis: acceptedAt, owner: owner, kind: kind, topic: topic, state: state,
                            version: version, restrictions: restrictions, holders: [])
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        var references = DocumentReferences(noticeMessageID: HitRulesTests.id.description, observedAtMillis: HitRulesTests.acceptedAt + 60_000)
        var owner = "rw"
        var check = "ke"
        var senderCountry = "ke"
        var record: NoticeRegistry.View? = HitRulesTests.record()
        /// nil: accepted; else a phrase the refusal contains.
        let refusal: String?
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "a hit on an active notice, owner and check right", refusal: nil),
        Row(name: "a hit on an updated notice", record: record(version: 3), refusal: nil),
        Row(name: "a hit on a diffusion", owner: "rw", record: record(kind: .diffusion, topic: "diffusion.rw", owner: "ncb.rw.kigali"), refusal: nil),
        Row(name: "observed in the acceptance's second", references: .init(noticeMessageID: id.description, observedAtMillis: acceptedAt),
            refusal: nil),
        Row(name: "a check in the owner's own country", check: "rw", senderCountry: "rw", refusal: nil),
        Row(name: "the check token is not the border post's country", check: "ug", refusal: "the border post's own (ke), not ug; publish on hit.rw.ke"),
        Row(name: "a document number of no record", references: .init(documentNumber: "PA1234567", observedAtMillis: acceptedAt + 1),
            record: nil, refusal: "matched.document_number PA1234567 matches no lost or stolen document record of rw"),
        // The registry finds the record under the owner token (D62): a stolen Rwandan passport.
        Row(name: "a document number of a record", references: .init(documentNumber: "PA1234567", observedAtMillis: acceptedAt + 1),
            record: record(kind: .sltd, topic: "sltd.rw", owner: "ncb.rw.kigali"), refusal: nil),
        Row(name: "a document number of a cancelled record", references: .init(documentNumber: "PA1234567", observedAtMillis: acceptedAt + 1),
            record: record(kind: .sltd, topic: "sltd.rw", state: .cancelled, owner: "ncb.rw.kigali"), refusal: "a cancelled document record"),
        Row(name: "an unknown id", record: nil, refusal: "names no notice or diffusion nexd accepted for bcp.ke.post"),
        // A record withheld from the post is answered as unknown: the refusal tells nothing of it.
        Row(name: "a notice denied to the post's country", record: record(restrictions: DisseminationRestrictions(deniedCountries: ["ke"])),
            refusal: "names no notice or diffusion nexd accepted for bcp.ke.post"),
        Row(name: "a diffusion not allowed to the post's country",
            record: record(kind: .diffusion, topic: "diffusion.rw", state: .cancelled, restrictions: DisseminationRestrictions(allowedCountries: ["ug"])),
            refusal: "names no notice or diffusion nexd accepted for bcp.ke.post"),
        Row(name: "a diffusion allowed to the post's country",
            record: record(kind: .diffusion, topic: "diffusion.rw", restrictions: DisseminationRestrictions(allowedCountries: ["ug", "ke"])),
            refusal: nil),
        Row(name: "a request", record: record(topic: "request.red.rw", owner: "ncb.rw.kigali"),
            refusal: "a hit matches a published notice (notice.*), a diffusion (diffusion.*) or a lost or stolen document record"),
        Row(name: "an alert", record: record(kind: .purple, topic: "alert.cyber.eastafrica"),
            refusal: "a hit matches a published notice (notice.*), a diffusion (diffusion.*) or a lost or stolen document record"),
        Row(name: "a cancelled notice", record: record(state: .cancelled), refusal: "was cancelled"),
        Row(name: "a cancelled diffusion", record: record(kind: .diffusion, topic: "diffusion.rw", state: .cancelled), refusal: "a cancelled diffusion"),
        Row(name: "the wrong owner token", owner: "tz", refusal: "belongs to rw (it was published on notice.red.rw); the owner token is taken from the record: publish on hit.rw.ke, not hit.tz.ke"),
        Row(name: "the wrong owner token for a diffusion", owner: "ug", record: record(kind: .diffusion, topic: "diffusion.rw"),
            refusal: "belongs to rw"),
        Row(name: "observed before the acceptance", references: .init(noticeMessageID: id.description, observedAtMillis: acceptedAt - 1),
            refusal: "is earlier than the acceptance of \(id)"),
    ]

    @Test(arguments: rows)
    func hitRules(_ row: Row) {
        let refusal = HitRules.refusal(of: row.references, ownerToken: row.owner, checkToken: row.check, sender: "bcp.\(row.senderCountry).post",
                                       senderCountry: row.senderCountry, record: row.record)
        if let expected = row.refusal {
            #expect(refusal?.contains(expected) == true, "\(refusal ?? "accepted")")
        } else {
            #expect(refusal == nil)
        }
    }

    @Test func theOwnerCountryIsTheRecordsTopicCountry() {
        #expect(HitRules.ownerCountry(of: Self.record(topic: "notice.yellow.ug")) == "ug")
        #expect(HitRules.ownerCountry(of: Self.record(kind: .diffusion, topic: "diffusion.ke")) == "ke")
        #expect(HitRules.ownerCountry(of: Self.record(topic: "request.red.rw")) == nil)
        #expect(HitRules.ownerCountry(of: Self.record(kind: .orange, topic: "alert.cbrne.eastafrica")) == nil)
    }

    /// The hit topic is hit.<owner-country>.<check-country>; the two-token shape is refused naming
    /// the new one; the hit's country for the workflow rules is the owner's.
    @Test(arguments: [
        ("hit.rw.ke", NoticeKind.hit, nil), ("hit.rw", .hit, "hit.<owner-country>.<check-country>"),
        ("hit.rw.ke.x", .hit, "hit.<owner-country>.<check-country>"), ("hit.rw.kenya", .hit, "does not fit"),
        ("hit.rw.ke", .red, "carries kind hit only"),
    ] as [(String, NoticeKind, String?)])
    func hitTopics(_ topic: String, _ kind: NoticeKind, _ refusal: String?) throws {
        let violation = TopicConventions.violation(kind: kind, topic: try Topic(validating: topic), allowedCountries: [], allowedNodes: [])
        if let refusal {
            #expect(violation?.contains(refusal) == true, "\(violation ?? "fits")")
        } else {
            #expect(violation == nil, "\(violation ?? "")")
            #expect(TopicConventions.placement(of: try Topic(validating: topic)).country == "rw")
        }
    }
}
