import NexBroker
import NexNotices
import NexWire
import Testing
@testable import NexServer

/// Decisions and notices bound to the requests they answer (D60): one row per rule.
@Suite struct RequestBindingRulesTests {
    static let requestID = MessageID(string: "0190f1d2-7c3a-7000-8000-00000000a001")!
    static let noticeID = MessageID(string: "0190f1d2-7c3a-7000-8000-00000000a002")!
    static let earlier = MessageID(string: "0190f1d2-7c3a-7000-8000-00000000a003")!

    static func view(_ id: MessageID, kind: NoticeKind = .red, topic: String, owner: String,
                     state: NoticeRecord.State = .active) -> NoticeRegistry.View {
        NoticeRegistry.View(id: id, acceptedSequence: 7, acceptedAtMillis: 0, owner: owner, kind: kind, topic: topic, state: state,
                            version: 1, restrictions: DisseminationRestrictions(), holders: [])
    }

    static let request = view(requestID, topic: "request.red.rw", owner: "ncb.rw.kigali")
    static let notice = view(noticeID, topic: "notice.red.rw", owner: "gs.fr.lyon")

    static func accepted(requestedBy: String = "ncb.rw.kigali") -> DocumentReferences {
        DocumentReferences(noticeMessageID: noticeID.description, request: requestID.description, requestedBy: requestedBy, outcome: "accepted")
    }

    static let refused = DocumentReferences(request: requestID.description, requestedBy: "ncb.rw.kigali", outcome: "refused")

    struct DecisionRow: Sendable, CustomTestStringConvertible {
        let name: String
        var references = RequestBindingRulesTests.accepted()
        var country = "rw"
        var request: NoticeRegistry.View? = RequestBindingRulesTests.request
        var existing: MessageID? = nil
        var notice: NoticeRegistry.View? = RequestBindingRulesTests.notice
        /// nil: accepted; else a phrase the refusal contains.
        let refusal: String?
        var testDescription: String { name }
    }

    static let decisionRows: [DecisionRow] = [
        DecisionRow(name: "accepted, naming the notice on notice.red.rw", refusal: nil),
        DecisionRow(name: "refused, naming no notice", references: refused, notice: nil, refusal: nil),
        DecisionRow(name: "an unknown request", request: nil, refusal: "names no request nexd accepted"),
        DecisionRow(name: "a notice named as the request", request: notice, refusal: "not a request (request.<kind>.<country>)"),
        DecisionRow(name: "a withdrawn request", request: view(requestID, topic: "request.red.rw", owner: "ncb.rw.kigali", state: .withdrawn),
                    refusal: "was withdrawn by ncb.rw.kigali"),
        DecisionRow(name: "requested_by is not the request's sender", references: accepted(requestedBy: "ncb.rw.other"),
                    refusal: "requested_by must be the request's sender ncb.rw.kigali"),
        DecisionRow(name: "a second decision", existing: earlier, refusal: "was already decided by \(earlier); one decision per request"),
        DecisionRow(name: "another country's decision topic", country: "ke", refusal: "its decision goes on decision.rw, not decision.ke"),
        DecisionRow(name: "accepted, naming an unknown notice", notice: nil, refusal: "names no notice nexd accepted"),
        DecisionRow(name: "accepted, naming a notice of another kind", notice: view(noticeID, kind: .yellow, topic: "notice.yellow.rw", owner: "gs.fr.lyon"),
                    refusal: "is a yellow on notice.yellow.rw; an accepted request.red.rw is answered by a notice on notice.red.rw"),
        DecisionRow(name: "accepted, naming another country's notice", notice: view(noticeID, topic: "notice.red.ke", owner: "gs.fr.lyon"),
                    refusal: "answered by a notice on notice.red.rw"),
    ]

    @Test(arguments: decisionRows)
    func decisionRules(_ row: DecisionRow) {
        let refusal = RequestBindingRules.decisionRefusal(row.references, topicCountry: row.country, request: row.request,
                                                          existingDecision: row.existing, notice: row.notice)
        if let expected = row.refusal {
            #expect(refusal?.contains(expected) == true, "\(refusal ?? "accepted")")
        } else {
            #expect(refusal == nil)
        }
    }

    struct NoticeRow: Sendable, CustomTestStringConvertible {
        let name: String
        var references = DocumentReferences(request: RequestBindingRulesTests.requestID.description, requestedBy: "ncb.rw.kigali")
        var kind = NoticeKind.red
        var country: String? = "rw"
        var request: NoticeRegistry.View? = RequestBindingRulesTests.request
        let refusal: String?
        var testDescription: String { name }
    }

    static let noticeRows: [NoticeRow] = [
        NoticeRow(name: "a red notice answering Rwanda's red request", refusal: nil),
        NoticeRow(name: "a notice naming no request", references: DocumentReferences(requestedBy: "ncb.rw.kigali"), request: nil, refusal: nil),
        NoticeRow(name: "a bogus request id", request: nil, refusal: "names no request nexd accepted"),
        NoticeRow(name: "a withdrawn request", request: view(requestID, topic: "request.red.rw", owner: "ncb.rw.kigali", state: .withdrawn),
                  refusal: "was withdrawn"),
        NoticeRow(name: "another kind's request", kind: .yellow, refusal: "this notice answers a request on request.yellow.rw"),
        NoticeRow(name: "another country's request", country: "ke", refusal: "this notice answers a request on request.red.ke"),
        NoticeRow(name: "requested_by is not the request's sender",
                  references: DocumentReferences(request: requestID.description, requestedBy: "ncb.rw.other"),
                  refusal: "requested_by must be the request's sender ncb.rw.kigali"),
        NoticeRow(name: "no requested_by with a request", references: DocumentReferences(request: requestID.description), kind: .red,
                  refusal: "got none"),
        NoticeRow(name: "an orange alert answering Rwanda's orange request", kind: .orange, country: nil,
                  request: view(requestID, kind: .orange, topic: "request.orange.rw", owner: "ncb.rw.kigali"), refusal: nil),
    ]

    @Test(arguments: noticeRows)
    func noticeRules(_ row: NoticeRow) {
        let refusal = RequestBindingRules.noticeRefusal(row.references, kind: row.kind, topicCountry: row.country, request: row.request)
        if let expected = row.refusal {
            #expect(refusal?.contains(expected) == true, "\(refusal ?? "accepted")")
        } else {
            #expect(refusal == nil)
        }
    }

    /// The byte test before a colour notice is read again for its `request`: never misses one,
    /// even spelt with escapes.
    @Test(arguments: [
        (#"{"kind":"red","request":"x"}"#, true), (#"{"kind":"red","requested_by":"ncb.rw.kigali"}"#, false),
        (#"{"kind":"red","re\u0071uest":"x"}"#, true), (#"{"kind":"red"}"#, false),
        // Where the needle sits and what looks like it: first and last bytes, a q before index 3,
        // many q's and near misses, shorter than the needle, exactly the needle.
        (#""request""#, true), (#"qq"#, false), (#"q"request""#, true), (#"{"x":"iraq","y":"request"}"#, true),
        (#"{"x":"qqqq","y":"requesT","z":"reques"}"#, false), (#"{"kind":"red","request"#, false),
        (#"{"kind":"red"}"request""#, true), (#"{"q":"equest","r":"requ"}"#, false),
    ])
    func aNoticeThatMayNameARequestIsReadAgain(_ payload: String, _ mayName: Bool) {
        #expect(Broker.mayNameRequest(Array(payload.utf8)) == mayName)
    }

    /// The memchr scan agrees with a plain byte-by-byte search on payloads built from the needle's
    /// own letters (so near misses abound), every length from 0 to 40.
    @Test func theByteScanAgreesWithAPlainSearch() {
        let needle = Array(#""request""#.utf8)
        let alphabet = Array(#""requstq x"#.utf8)
        var generator = SystemRandomNumberGenerator()
        for length in 0...40 {
            for _ in 0..<300 {
                let payload = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
                let plain = payload.count >= needle.count
                    && (0...(payload.count - needle.count)).contains { payload[$0..<($0 + needle.count)].elementsEqual(needle) }
                #expect(Broker.mayNameRequest(payload) == plain, "\(String(decoding: payload, as: UTF8.self))")
            }
        }
    }
}
