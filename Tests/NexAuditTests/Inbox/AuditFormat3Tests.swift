import Foundation
import Testing
@testable import NexAudit

/// Format 3 (durable inboxes, docs/AUDIT.md §Inboxes): the writer's bytes, both verifiers on a
/// log that holds every new member and event, the rule that a format-2 run cannot hold them, and
/// the canonical shapes of the new nested entries.
@Suite struct AuditFormat3Tests {
    @Test func routeMembersEncodeInTheDocumentedOrderAndShape() {
        var route = AuditEvent(.route, timeMillis: 0)
        route.messageID = "m"
        route.recipients = [.init(node: "a", connection: 1, subscriptions: [2], inboxes: ["x", "y"]),
                            .init(node: "b", connection: 3, subscriptions: [4])]
        route.queued = [.init(node: "c", inbox: "notice.>")]
        route.withheld = [.init(node: "d", connection: 5, reason: "denied-node"), .init(node: "e", inbox: "z", reason: "denied-country")]
        let text = String(decoding: route.encodedMembers(), as: UTF8.self)
        #expect(text == #""time":"1970-01-01T00:00:00.000Z","event":"route","msg":"m","#
            + #""recipients":[{"node":"a","conn":1,"subs":[2],"inboxes":["x","y"]},{"node":"b","conn":3,"subs":[4]}],"#
            + #""queued":[{"node":"c","inbox":"notice.>"}],"#
            + #""withheld":[{"node":"d","conn":5,"reason":"denied-node"},{"node":"e","inbox":"z","reason":"denied-country"}]"#)
    }

    @Test func inboxMembersFollowTheFilter() {
        var event = AuditEvent(.inbox, timeMillis: 0)
        event.reason = "redelivered"
        event.connection = 2
        event.node = "n"
        event.inbox = "i"
        event.fromSequence = 7
        event.throughSequence = 9
        event.deliverySequence = 1
        event.count = 2
        #expect(String(decoding: event.encodedMembers(), as: UTF8.self)
            == #""time":"1970-01-01T00:00:00.000Z","event":"inbox","reason":"redelivered","conn":2,"node":"n","inbox":"i","from":7,"through":9,"delivery":1,"count":2"#)
        #expect(AuditEvent.Kind.inbox.rawValue == "inbox")
    }

    @Test func anExpiredListContinuesWithTheNodeAndTheInbox() {
        let ids = (0..<2500).map { "id-\($0)" }
        let records = InboxLogFixture.expired(ids, detail: "limits.inboxBytesPerNode").splitIntoRecords()
        #expect(records.count == 3)
        #expect(records[0].count == 2500)
        #expect(records[0].parts == 3)
        #expect(records[0].missedMessageIDs?.count == 1000)
        for (index, continuation) in records.dropFirst().enumerated() {
            #expect(continuation.kind == .continuation)
            #expect(continuation.node == InboxLogFixture.node)
            #expect(continuation.inbox == InboxLogFixture.inbox)
            #expect(continuation.part == index + 2)
            #expect(continuation.reason == nil && continuation.count == nil)
        }
        #expect(records.flatMap { $0.missedMessageIDs ?? [] } == ids)
    }

    @Test func aFormat3LogIsIntactToBothVerifiers() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let directory = temp.path + "/audit"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fixture = try InboxLogFixture(directory: directory, pki: pki)
        let lines = try AuditTestSupport.lines(in: directory)
        #expect(lines.contains { $0.text.contains(#""queued":[{"node":"bcp.ke.busia","inbox":"notice.>"}]"#) })
        #expect(lines.contains { $0.text.contains(#""event":"continuation","#) && $0.text.contains(#""inbox":"notice.>""#) })
        #expect(fixture.acceptances.count == 3)

        var options = AuditVerifier.Options()
        options.certificateAuthorities = [pki.authority]
        options.auditCertificate = pki.signer.certificate
        let result = try AuditVerifier.verify(directory: directory, options: options)
        #expect(result.problem == nil, "\(String(describing: result.problem))")
        #expect(result.verdict == .intact)
        #expect(result.verifiedSignatures == 3)

        guard PythonVerifierTests.python != nil else { return }
        let anchors = try pki.anchorArguments(writingTo: temp.path)
        let (status, output) = try PythonVerifierTests.run([directory] + anchors)
        #expect(status == 0, "\(output)")
        #expect(output.contains("INTACT: "), "\(output)")
    }

    /// A format-2 run (its start record says so) cannot have written format-3 content: both
    /// verifiers say what a format-2 verifier would — CANNOT VERIFY for a new event or member,
    /// TAMPERED (not canonical) for a new nested form; an `inbox` event also in speed mode (the
    /// event is read from the record's head).
    @Test(arguments: ["inbox event", "queued", "subscribe inbox", "recipient inboxes", "withheld inbox"])
    func formatThreeContentInAFormatTwoRunCannotBeVerified(content: String) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let directory = temp.path + "/audit"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.checkpointSigner = pki.signer
        let log = try AuditLog(configuration: configuration, nowMillis: ContractPKI.nowMillis())
        var start = AuditEvent(.start, timeMillis: ContractPKI.nowMillis())
        start.format = 2
        var event = AuditEvent(.route, timeMillis: ContractPKI.nowMillis())
        event.messageID = "8f6f2a9e-1c2b-4d3e-9f00-000000000001"
        let expected: String
        switch content {
        case "inbox event":
            event = InboxLogFixture.expired(["8f6f2a9e-1c2b-4d3e-9f00-000000000001"], detail: "limits.inboxMaxAgeSeconds")
            expected = "event \"inbox\""
        case "queued":
            event.recipients = []
            event.queued = [.init(node: InboxLogFixture.node, inbox: InboxLogFixture.inbox)]
            expected = "member \"queued\""
        case "subscribe inbox":
            event = InboxLogFixture.subscribe(connection: 1, waiting: 0)
            expected = "member \"inbox\""
        case "recipient inboxes":
            event.recipients = [.init(node: InboxLogFixture.node, connection: 1, subscriptions: [1], inboxes: ["notice.>"])]
            expected = "an inbox in a \"recipients\" or \"withheld\" entry"
        default:
            event.recipients = []
            event.withheld = [.init(node: InboxLogFixture.node, inbox: "notice.>", reason: "denied-country")]
            expected = "an inbox in a \"recipients\" or \"withheld\" entry"
        }
        log.append([start, event])
        log.close()

        var options = AuditVerifier.Options()
        options.certificateAuthorities = [pki.authority]
        options.auditCertificate = pki.signer.certificate
        let result = try AuditVerifier.verify(directory: directory, options: options)
        let problem = try #require(result.problem)
        let nested = content == "recipient inboxes" || content == "withheld inbox"
        #expect(problem.kind == (nested ? .tampered : .unknownFormat))
        #expect(problem.sequence == 2)
        #expect(problem.reason.contains(expected), "\(problem)")
        #expect(problem.reason.contains("declares format 2"), "\(problem)")
        #expect(result.verdict.exitStatus == (nested ? 1 : 2))
        options.checksSignatures = false
        let speed = try AuditVerifier.verify(directory: directory, options: options)
        #expect((speed.problem?.kind == .unknownFormat) == (content == "inbox event"), "\(String(describing: speed.problem))")

        guard PythonVerifierTests.python != nil else { return }
        let anchors = try pki.anchorArguments(writingTo: temp.path)
        let (status, output) = try PythonVerifierTests.run([directory] + anchors)
        #expect(status == (nested ? 1 : 2), "\(output)")
        #expect(output.contains("\(nested ? "TAMPERED" : "CANNOT VERIFY"): record 2 "), "\(output)")
        #expect(output.contains(expected), "\(output)")
        let (speedStatus, speedOutput) = try PythonVerifierTests.run([directory, "--no-signatures"] + anchors)
        #expect((speedStatus == 2) == (content == "inbox event"), "\(speedOutput)")
    }

    /// Logs of formats 1, 2 and 3 (format 1: a start record without `format`) still verify INTACT.
    @Test(arguments: [1, 2, 3])
    func olderFormatsStillVerify(format: Int) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let directory = temp.path + "/audit"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.checkpointSigner = pki.signer
        let log = try AuditLog(configuration: configuration, nowMillis: ContractPKI.nowMillis())
        var start = AuditEvent(.start, timeMillis: ContractPKI.nowMillis())
        start.format = format == 1 ? nil : format
        var subscribe = InboxLogFixture.subscribe(connection: 1, waiting: 0)
        subscribe.inbox = nil
        subscribe.count = nil
        var route = AuditEvent(.route, timeMillis: ContractPKI.nowMillis())
        route.messageID = "8f6f2a9e-1c2b-4d3e-9f00-000000000001"
        route.recipients = [.init(node: InboxLogFixture.node, connection: 1, subscriptions: [1])]
        route.withheld = [.init(node: "ncb.tz.dodoma", connection: 3, reason: "denied-country")]
        log.append([start, subscribe, route])
        log.close()
        let first = try #require(try AuditTestSupport.lines(in: directory).first)
        #expect(first.text.contains(#""format":"#) == (format != 1))

        var options = AuditVerifier.Options()
        options.certificateAuthorities = [pki.authority]
        options.auditCertificate = pki.signer.certificate
        let result = try AuditVerifier.verify(directory: directory, options: options)
        #expect(result.verdict == .intact, "\(String(describing: result.problem))")
        guard PythonVerifierTests.python != nil else { return }
        let (status, output) = try PythonVerifierTests.run([directory] + (try pki.anchorArguments(writingTo: temp.path)))
        #expect(status == 0, "\(output)")
    }

    @Test func aFormatTwoRunAfterAFormatThreeRunIsHeldToFormatTwo() throws {
        let later = ContractPKI.nowMillis() + 1000
        var start3 = AuditEvent(.start, timeMillis: 0)
        var start2 = AuditEvent(.start, timeMillis: later)
        start2.format = 2
        start3.format = 3
        let inbox = InboxLogFixture.subscribe(connection: 1, waiting: 0)
        var inboxLater = inbox
        inboxLater.timeMillis = later
        let lines = AuditLineChain.lines([start3, inbox, start2, inboxLater])
        let result = AuditRecordParsing.verify(lines: lines.map { $0[...] })
        #expect(result.problem?.sequence == 4, "\(String(describing: result.problem))")
        #expect(result.problem?.kind == .unknownFormat)
    }

    /// The new nested entries have fixed shapes: anything else is not the writer's encoding.
    @Test(arguments: [
        (#"{"node":"a","conn":1,"subs":[2],"inboxes":[]}"#, "recipients"),
        (#"{"node":"a","conn":1,"subs":[2],"inboxes":[3]}"#, "recipients"),
        (#"{"node":"a","conn":1,"inboxes":["x"],"subs":[2]}"#, "recipients"),
        (#"{"node":"a","conn":1,"subs":[2],"inbox":"x"}"#, "recipients"),
        (#"{"node":"a","conn":1,"inbox":"x","reason":"r"}"#, "withheld"),
        (#"{"node":"a","reason":"r"}"#, "withheld"),
        (#"{"node":"a","inbox":"x","conn":1}"#, "queued"),
        (#"{"inbox":"x","node":"a"}"#, "queued"),
        (#"{"node":"a","inbox":7}"#, "queued"),
    ])
    func malformedInboxEntriesAreNotCanonical(entry: String, member: String) throws {
        let line = #"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"route","\#(member)":[\#(entry)]}"#
        let members = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(AuditFormat.canonicalFormProblem(Array(line.utf8)[...], members: members) != nil)
        let good = member == "queued" ? #"{"node":"a","inbox":"x"}"#
            : member == "withheld" ? #"{"node":"a","inbox":"x","reason":"r"}"# : #"{"node":"a","conn":1,"subs":[2],"inboxes":["x"]}"#
        let fine = #"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"route","\#(member)":[\#(good)]}"#
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(fine.utf8)) as? [String: Any])
        #expect(AuditFormat.canonicalFormProblem(Array(fine.utf8)[...], members: parsed) == nil)
    }
}
