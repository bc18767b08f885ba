import Foundation
import NexNotices
import Testing

/// Priority and handling codes (D58; docs/NOTICES.md §Priority and handling), as a table: each row
/// a document with its markings, who publishes it where, and the field at fault (nil: accepted,
/// with the markings read).
@Suite struct MarkingsTests {
    static let now: Int64 = 1_780_000_000_000
    static let directory = NodeDirectory([
        "gs.fr.lyon": .init(role: .gs, country: "fr"),
        "ncb.zz.example": .init(role: .ncb, country: "zz"),
        "bcp.zz.example": .init(role: .bcp, country: "zz"),
    ])

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let kind: NoticeKind
        var sender = "gs.fr.lyon"
        var channel = NoticeChannel.notice
        let edits: [(path: String, json: String)]
        /// The field the violation names, or nil when the document passes.
        let fault: String?
        var expected = NoticeMarkings.unmarked
        var testDescription: String { name }
    }

    static func diffusion(_ purpose: String, _ edits: [(path: String, json: String)], fault: String?,
                          expected: NoticeMarkings = .unmarked) -> Case {
        Case(name: "diffusion for \(purpose) \(edits.map(\.json))", kind: .diffusion, sender: "ncb.zz.example", channel: .diffusion,
             edits: [("purpose", "\"\(purpose)\"")] + edits, fault: fault, expected: expected)
    }

    static func hit(_ action: String, _ edits: [(path: String, json: String)], fault: String?, expected: NoticeMarkings = .unmarked) -> Case {
        Case(name: "hit \(action) \(edits.map(\.json))", kind: .hit, sender: "bcp.zz.example", channel: .hit,
             edits: [("action_taken", "\"\(action)\""), ("observed_at", "\"2026-05-28T20:26:40Z\"")] + edits, fault: fault, expected: expected)
    }

    static let urgent = NoticeMarkings(priority: .urgent, handling: [])

    static let cases: [Case] = [
        Case(name: "no markings: normal, no codes", kind: .red, edits: [], fault: nil),
        Case(name: "red urgent", kind: .red, edits: [("priority", "\"urgent\"")], fault: nil, expected: urgent),
        Case(name: "red routine", kind: .red, edits: [("priority", "\"routine\"")], fault: nil,
             expected: NoticeMarkings(priority: .routine, handling: [])),
        Case(name: "orange urgent", kind: .orange, edits: [("priority", "\"urgent\"")], fault: nil, expected: urgent),
        Case(name: "un-special urgent", kind: .unSpecial, edits: [("priority", "\"urgent\"")], fault: nil, expected: urgent),
        Case(name: "yellow urgent", kind: .yellow, edits: [("priority", "\"urgent\"")], fault: "priority"),
        Case(name: "purple urgent", kind: .purple, edits: [("priority", "\"urgent\"")], fault: "priority"),
        Case(name: "priority in capitals", kind: .red, edits: [("priority", "\"URGENT\"")], fault: "priority"),
        Case(name: "priority as a number", kind: .red, edits: [("priority", "1")], fault: "priority"),
        diffusion("arrest", [("priority", "\"urgent\"")], fault: nil, expected: urgent),
        diffusion("warning", [("priority", "\"urgent\"")], fault: nil, expected: urgent),
        diffusion("information", [("priority", "\"urgent\"")], fault: "priority"),
        hit("detained", [("priority", "\"urgent\"")], fault: nil, expected: urgent),
        hit("information-only", [("priority", "\"urgent\"")], fault: "priority"),
        hit("detained", [("handling", "[\"law-enforcement-only\"]")], fault: nil,
            expected: NoticeMarkings(priority: .normal, handling: [.lawEnforcementOnly])),
        hit("detained", [("handling", "[\"no-further-dissemination\"]")], fault: "handling[0]"),
        hit("detained", [("handling", "[\"law-enforcement-only\", \"originator-consent-before-action\"]")], fault: "handling[1]"),
        diffusion("locate", [("handling", "[\"originator-consent-before-action\", \"no-further-dissemination\"]")], fault: nil,
                  expected: NoticeMarkings(priority: .normal, handling: [.originatorConsentBeforeAction, .noFurtherDissemination])),
        diffusion("locate", [("handling", "[\"no-further-dissemination\", \"no-further-dissemination\"]")], fault: "handling[1]"),
        diffusion("locate", [("handling", "[\"secret\"]")], fault: "handling[0]"),
        diffusion("locate", [("handling", "\"law-enforcement-only\"")], fault: "handling"),
        diffusion("locate", [("handling", "[]")], fault: nil),
        Case(name: "a border point may not restrict dissemination", kind: .red, sender: "bcp.zz.example",
             edits: [("handling", "[\"no-further-dissemination\"]")], fault: "handling[0]"),
        Case(name: "a border point may mark law-enforcement-only", kind: .red, sender: "bcp.zz.example",
             edits: [("handling", "[\"law-enforcement-only\"]")], fault: nil,
             expected: NoticeMarkings(priority: .normal, handling: [.lawEnforcementOnly])),
        Case(name: "a request may be urgent and restricted", kind: .red, sender: "ncb.zz.example", channel: .request,
             edits: [("requested_by", "\"ncb.zz.example\""), ("priority", "\"urgent\""), ("handling", "[\"no-further-dissemination\"]")],
             fault: nil, expected: NoticeMarkings(priority: .urgent, handling: [.noFurtherDissemination])),
    ]

    @Test(arguments: cases) func theMarkingRules(_ test: Case) {
        var document = NoticeTemplate.document(for: test.kind)
        for edit in test.edits {
            let value = try! JSONSerialization.jsonObject(with: Data(edit.json.utf8), options: .fragmentsAllowed)
            document = String(decoding: DocumentEditing.edit(document, at: edit.path, newValue: value), as: UTF8.self)
        }
        let context = NoticeContext(sender: test.sender, channel: test.channel, country: "zz", issuedAtMillis: Self.now,
                                    receivedAtMillis: Self.now, clockSkewMillis: 120_000, hitMaxAgeMillis: 86_400_000,
                                    directory: Self.directory)
        switch NoticeValidator.admit(Array(document.utf8), as: test.kind, in: context) {
        case .success(let markings):
            #expect(test.fault == nil, "accepted with \(markings)")
            #expect(markings == test.expected)
        case .failure(let violation):
            #expect(violation.field == test.fault, "\(violation.description)")
        }
    }

    @Test(arguments: [
        (NoticeMarkings(priority: .normal, handling: [.noFurtherDissemination]), false, true),
        (NoticeMarkings(priority: .normal, handling: [.noFurtherDissemination]), true, false),
        (NoticeMarkings(priority: .urgent, handling: [.lawEnforcementOnly, .originatorConsentBeforeAction]), false, false),
        (NoticeMarkings.unmarked, false, false),
    ])
    func noFurtherDisseminationNeedsNamedRecipients(_ markings: NoticeMarkings, namesRecipients: Bool, isRefused: Bool) {
        let violation = markings.recipientProblem(namesRecipients: namesRecipients)
        #expect((violation != nil) == isRefused)
        if let violation { #expect(violation.field == "handling" && violation.reason.contains("allowed countries or allowed nodes")) }
    }

    @Test func displayReadsLeniently() {
        let document = Array(#"{"kind":"red","priority":"urgent","handling":["law-enforcement-only","unknown-code",7]}"#.utf8)
        #expect(NoticeMarkings.read(from: document) == NoticeMarkings(priority: .urgent, handling: [.lawEnforcementOnly]))
        #expect(NoticeMarkings.read(from: Array(#"{"kind":"red","priority":"soon"}"#.utf8)) == .unmarked)
        #expect(NoticeMarkings.read(from: Array("[1]".utf8)) == nil)
    }

    @Test func onlyNoFurtherDisseminationIsEnforcedToday() {
        #expect(HandlingCode.allCases.filter(\.isEnforced) == [.noFurtherDissemination])
        #expect(NoticePriority.urgent > .normal && NoticePriority.normal > .routine)
        #expect(NoticePriority.allCases.map(\.lane) == [0, 1, 2])
    }
}
