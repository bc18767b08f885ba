import Foundation
import NexNotices
import Testing

/// The workflow rules of D55 and D59 (docs/NOTICES.md §Workflow rules), as tables: each row a
/// document, who publishes it where and when, and the field at fault (nil: accepted).
@Suite struct WorkflowRuleTests {
    static let now: Int64 = 1_780_000_000_000
    static let directory = NodeDirectory([
        "gs.fr.lyon": .init(role: .gs, country: "fr"),
        "ncb.rw.kigali": .init(role: .ncb, country: "rw"),
        "ncb.ke.nairobi": .init(role: .ncb, country: "ke"),
        "bcp.ke.busia": .init(role: .bcp, country: "ke"),
        "cyber.rw.kigali": .init(role: .cyber, country: "rw"),
    ])

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let kind: NoticeKind
        let sender: String
        let channel: NoticeChannel
        let country: String?
        let edits: [(path: String, json: String?)]
        /// The field the violation names, or nil when the document passes.
        let fault: String?
        var issuedAtMillis: Int64 = WorkflowRuleTests.now
        var testDescription: String { name }
    }

    static func request(_ kind: NoticeKind, from sender: String, requestedBy: String?, fault: String?) -> Case {
        Case(name: "request.\(kind.rawValue) from \(sender) naming \(requestedBy ?? "nobody")", kind: kind, sender: sender,
             channel: .request, country: "rw", edits: [("requested_by", requestedBy.map { "\"\($0)\"" })], fault: fault)
    }

    static func notice(_ kind: NoticeKind, on country: String, requestedBy: String?, fault: String?) -> Case {
        Case(name: "notice.\(kind.rawValue).\(country) naming \(requestedBy ?? "nobody")", kind: kind, sender: "gs.fr.lyon",
             channel: .notice, country: country, edits: [("requested_by", requestedBy.map { "\"\($0)\"" })], fault: fault)
    }

    static func hit(observed: String, issuedAt: Int64 = now, fault: String?) -> Case {
        Case(name: "hit observed \(observed)", kind: .hit, sender: "bcp.ke.busia", channel: .hit, country: "rw",
             edits: [("checkpoint", "\"bcp.ke.busia\""), ("observed_at", "\"\(observed)\"")], fault: fault, issuedAtMillis: issuedAt)
    }

    static func decision(_ edits: [(path: String, json: String?)], on country: String = "rw", fault: String?, _ name: String) -> Case {
        Case(name: "decision: \(name)", kind: .decision, sender: "gs.fr.lyon", channel: .decision, country: country,
             edits: [("requested_by", "\"ncb.rw.kigali\"")] + edits, fault: fault)
    }

    /// 2026-05-28T20:26:40Z, the tests' clock (`now`).
    static let nowText = "2026-05-28T20:26:40Z"

    static let cases: [Case] = [
        // A request names its sender, for every kind that may be requested.
        request(.red, from: "ncb.rw.kigali", requestedBy: "ncb.rw.kigali", fault: nil),
        request(.red, from: "ncb.rw.kigali", requestedBy: "ncb.ke.nairobi", fault: "requested_by"),
        request(.green, from: "ncb.rw.kigali", requestedBy: "ncb.ke.nairobi", fault: "requested_by"),
        request(.orange, from: "ncb.rw.kigali", requestedBy: "ncb.rw.kigali", fault: nil),
        request(.orange, from: "ncb.rw.kigali", requestedBy: nil, fault: "requested_by"),
        request(.purple, from: "ncb.rw.kigali", requestedBy: "gs.fr.lyon", fault: "requested_by"),
        // A published notice names a roster NCB of the topic's country.
        notice(.red, on: "rw", requestedBy: "ncb.rw.kigali", fault: nil),
        notice(.red, on: "ke", requestedBy: "ncb.rw.kigali", fault: "requested_by"),
        notice(.yellow, on: "rw", requestedBy: "ncb.rw.nowhere", fault: "requested_by"),
        notice(.blue, on: "ke", requestedBy: "bcp.ke.busia", fault: "requested_by"),
        notice(.green, on: "rw", requestedBy: "ncb.rw.kigali", fault: nil),
        notice(.green, on: "ke", requestedBy: "ncb.zz.example", fault: "requested_by"),
        notice(.orange, on: "rw", requestedBy: nil, fault: nil),
        notice(.orange, on: "rw", requestedBy: "ncb.ke.nairobi", fault: "requested_by"),
        notice(.purple, on: "ke", requestedBy: "ncb.ke.nairobi", fault: nil),
        Case(name: "un-special names no NCB", kind: .unSpecial, sender: "gs.fr.lyon", channel: .notice, country: "fr",
             edits: [], fault: nil),
        Case(name: "alert naming a roster NCB", kind: .orange, sender: "gs.fr.lyon", channel: .alert, country: nil,
             edits: [("requested_by", "\"ncb.ke.nairobi\"")], fault: nil),
        Case(name: "alert naming a border post", kind: .purple, sender: "cyber.rw.kigali", channel: .alert, country: nil,
             edits: [("requested_by", "\"bcp.ke.busia\"")], fault: "requested_by"),
        // A hit's observed_at: not after issued-at + skew (120 s here), not older than the max age (1 day here).
        hit(observed: nowText, fault: nil),
        hit(observed: "2026-05-28T20:28:40Z", fault: nil),
        hit(observed: "2026-05-28T20:28:41Z", fault: "observed_at"),
        hit(observed: "2031-01-01T00:00:00Z", fault: "observed_at"),
        hit(observed: "2026-05-28T18:26:40Z", fault: nil),
        hit(observed: "2026-05-27T20:26:40Z", fault: nil),
        hit(observed: "2026-05-27T20:26:39.999Z", fault: "observed_at"),
        hit(observed: "2026-04-18T06:42:10Z", fault: "observed_at"),
        // Decisions: the requesting NCB of the topic's country; the outcome decides the other members.
        decision([], fault: nil, "refused with a reason"),
        decision([("reason", nil)], fault: "reason", "refused without a reason"),
        decision([("notice_message_id", "\"0190f1d2-0000-7000-8000-000000000001\"")], fault: "notice_message_id",
                 "refused naming a notice"),
        decision([("outcome", "\"accepted\""), ("reason", nil), ("notice_message_id", "\"0190f1d2-0000-7000-8000-000000000001\"")],
                 fault: nil, "accepted with the notice"),
        decision([("outcome", "\"accepted\""), ("reason", nil)], fault: "notice_message_id", "accepted without the notice"),
        decision([], on: "ke", fault: "requested_by", "naming another country's NCB"),
        decision([("requested_by", "\"gs.fr.lyon\"")], fault: "requested_by", "naming the GS"),
    ]

    @Test(arguments: cases) func theWorkflowRules(_ test: Case) {
        var document = NoticeTemplate.document(for: test.kind)
        for edit in test.edits {
            let value = edit.json.map { try! JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) }
            document = String(decoding: DocumentEditing.edit(document, at: edit.path, newValue: value), as: UTF8.self)
        }
        let context = NoticeContext(sender: test.sender, channel: test.channel, country: test.country, issuedAtMillis: test.issuedAtMillis,
                                    receivedAtMillis: Self.now, clockSkewMillis: 120_000, hitMaxAgeMillis: 86_400_000,
                                    directory: Self.directory)
        let violation = NoticeValidator.validate(Array(document.utf8), as: test.kind, in: context)
        #expect(violation?.field == test.fault, "\(violation?.description ?? "accepted")")
    }

    @Test func aRefusalSaysWhoWasExpected() throws {
        let document = DocumentEditing.template(.red, setting: "requested_by", to: "\"ncb.rw.kigali\"")
        let context = NoticeContext(sender: "gs.fr.lyon", channel: .notice, country: "ke", issuedAtMillis: Self.now,
                                    receivedAtMillis: Self.now, clockSkewMillis: 120_000, hitMaxAgeMillis: 86_400_000,
                                    directory: Self.directory)
        let violation = try #require(NoticeValidator.validate(document, as: .red, in: context))
        #expect(violation.description.contains("an NCB of ke on the roster"))
        #expect(violation.description.contains("\"ncb.rw.kigali\" is the NCB of rw, not of ke"))
    }

    @Test func observedAtMayReachIssuedAtPlusTheSkewExactly() throws {
        let document = DocumentEditing.template(.hit, setting: "observed_at", to: "\"\(Self.nowText)\"")
        // observed_at == issued-at + skew is the last accepted instant; one millisecond later is refused.
        let context = NoticeContext(sender: "bcp.zz.example", channel: .hit, country: "zz", issuedAtMillis: Self.now - 120_000,
                                    receivedAtMillis: Self.now, clockSkewMillis: 120_000, hitMaxAgeMillis: 86_400_000,
                                    directory: Self.directory)
        #expect(NoticeValidator.validate(document, as: .hit, in: context) == nil)
        let late = NoticeContext(sender: "bcp.zz.example", channel: .hit, country: "zz", issuedAtMillis: Self.now - 120_001,
                                 receivedAtMillis: Self.now, clockSkewMillis: 120_000, hitMaxAgeMillis: 86_400_000,
                                 directory: Self.directory)
        #expect(NoticeValidator.validate(document, as: .hit, in: late)?.field == "observed_at")
    }
}

extension WorkflowRuleTests {
    /// An update's new document is held to the rules of its own kind on the original's topic:
    /// a General Secretariat update of a notice on notice.red.ke names an NCB of Kenya.
    @Test(arguments: [("ncb.ke.nairobi", nil), ("ncb.rw.kigali", "document.requested_by"), ("ncb.zz.nowhere", "document.requested_by")])
    func anUpdatesDocumentNamesTheRequestingNCBOfTheTopic(_ requestedBy: String, _ fault: String?) {
        let red = String(decoding: DocumentEditing.template(.red, setting: "requested_by", to: "\"\(requestedBy)\""), as: UTF8.self)
        let update = #"{"kind":"update","original":"0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b","reason":"other","reason_text":"x","version":2,"document":\#(red)}"#
        let context = NoticeContext(sender: "gs.fr.lyon", channel: .notice, country: "ke", issuedAtMillis: Self.now,
                                    receivedAtMillis: Self.now, clockSkewMillis: 120_000, hitMaxAgeMillis: 86_400_000,
                                    directory: Self.directory)
        let violation = NoticeValidator.validate(Array(update.utf8), as: .update, in: context)
        #expect(violation?.field == fault, "\(violation?.description ?? "accepted")")
    }
}
