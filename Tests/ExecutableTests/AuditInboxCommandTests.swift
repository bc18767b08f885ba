import Foundation
import NexAudit
import NexCrypto
import Testing

/// `nex audit query --waiting` and `nex audit trace` on a format-3 log of durable inboxes
/// (docs/AUDIT.md §Inboxes), run through the binary.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct AuditInboxCommandTests {
    static let a = "01a224b8-c25a-79cf-86f2-f846e69ed001"
    static let b = "01a224b8-c25a-79cf-86f2-f846e69ed002"
    static let c = "01a224b8-c25a-79cf-86f2-f846e69ed003"
    static let start: Int64 = (Int64(Date().timeIntervalSince1970) - 3600) * 1000

    /// bcp.ke.busia subscribes durably and goes offline; A, B and C are queued for its inbox (and A
    /// withheld from an offline inbox of ncb.tz.dodoma); it reconnects and A–C are redelivered on
    /// conn 2; a receipt moves the cursor past A; C expires. B stays waiting.
    static func workspaceWithInboxLog() throws -> ExecutableTests.Workspace {
        let workspace = try ExecutableTests.Workspace()
        let log = try workspace.openAuditLog(startingAt: start)
        var time = start
        func event(_ kind: AuditEvent.Kind, _ outcome: AuditEvent.Outcome? = nil) -> AuditEvent {
            time += 1
            return AuditEvent(kind, timeMillis: time, outcome: outcome)
        }
        var sequences: [UInt64] = []
        func append(_ events: AuditEvent...) {
            sequences = log.append(events)
            log.flush()
        }
        var subscribe = event(.subscribe, .accepted)
        subscribe.connection = 1; subscribe.node = "bcp.ke.busia"; subscribe.subscriptionID = 1
        subscribe.filter = "notice.>"; subscribe.inbox = "notice.>"; subscribe.count = 0
        append(subscribe)
        var acceptances: [UInt64] = []
        for (id, kind) in [(a, "red"), (b, "yellow"), (c, "red")] {
            var publish = event(.publish, .accepted)
            publish.node = "gs.fr.lyon"; publish.messageID = id; publish.topic = "notice.\(kind).ke"; publish.noticeKind = kind
            var route = event(.route)
            route.node = "gs.fr.lyon"; route.messageID = id; route.topic = "notice.\(kind).ke"
            route.recipients = []
            route.queued = [.init(node: "bcp.ke.busia", inbox: "notice.>")]
            if id == a { route.withheld = [.init(node: "ncb.tz.dodoma", inbox: "alerts", reason: "denied-country")] }
            append(publish, route)
            acceptances.append(sequences[0])
        }
        var redelivered = event(.inbox)
        redelivered.reason = "redelivered"; redelivered.connection = 2; redelivered.node = "bcp.ke.busia"; redelivered.inbox = "notice.>"
        redelivered.fromSequence = acceptances[0]; redelivered.throughSequence = acceptances[2]; redelivered.count = 3
        var again = subscribe
        again.timeMillis = redelivered.timeMillis; again.connection = 2; again.count = 3
        append(again, redelivered)
        var receipt = event(.receipt)
        receipt.connection = 2; receipt.node = "bcp.ke.busia"; receipt.receivedMessageIDs = [a]; receipt.deliverySequence = 1
        var receipted = event(.inbox)
        receipted.reason = "receipted"; receipted.connection = 2; receipted.node = "bcp.ke.busia"; receipted.inbox = "notice.>"
        receipted.throughSequence = acceptances[0]
        append(receipt, receipted)
        var expired = event(.inbox)
        expired.reason = "expired"; expired.detail = "limits.inboxMaxAgeSeconds"; expired.node = "bcp.ke.busia"
        expired.inbox = "notice.>"; expired.missedMessageIDs = [c]; expired.count = 1
        append(expired)
        log.close()
        return workspace
    }

    static func nex(_ arguments: [String], in workspace: ExecutableTests.Workspace) throws -> ProcessRunner.Result {
        try ProcessRunner.run("nex", arguments, in: workspace.path)
    }

    @Test func waitingListsWhatANodeHasNotReceipted() throws {
        let workspace = try Self.workspaceWithInboxLog()
        let result = try Self.nex(["audit", "query", "--waiting", "bcp.ke.busia"], in: workspace)
        #expect(result.status == 0, "\(result.standardError)")
        let out = result.standardOutput
        #expect(out.contains("node bcp.ke.busia: 1 waiting in 1 inbox"), "\(out)")
        #expect(out.contains("inbox notice.> (filter notice.>; receipted through record "), "\(out)")
        let row = try #require(out.split(separator: "\n").first { $0.contains(Self.b) })
        #expect(row.contains("notice.yellow.ke") && row.contains("yellow"), "\(row)")
        #expect(!out.contains(Self.a) && !out.contains(Self.c), "receipted and expired entries do not wait: \(out)")

        let json = try Self.nex(["audit", "query", "--waiting", "bcp.ke.busia", "--json"], in: workspace)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(object["count"] as? Int == 1)
        let inbox = try #require((object["inboxes"] as? [[String: Any]])?.first)
        #expect(inbox["inbox"] as? String == "notice.>")
        #expect((inbox["waiting"] as? [[String: Any]])?.first?["kind"] as? String == "yellow")

        let nothing = try Self.nex(["audit", "query", "--waiting", "ncb.tz.dodoma", "--no-index"], in: workspace)
        #expect(nothing.status == 0, "\(nothing.standardError)")
        #expect(nothing.standardOutput == "node ncb.tz.dodoma: no durable inbox in the log, nothing waiting\n",
                "a withheld inbox holds nothing: \(nothing.standardOutput)")
    }

    @Test func traceShowsQueuedDeliveredAndReceiptedPerInbox() throws {
        let workspace = try Self.workspaceWithInboxLog()
        let first = try Self.nex(["audit", "trace", Self.a], in: workspace)
        #expect(first.status == 0, "\(first.standardError)")
        let out = first.standardOutput
        #expect(out.contains("QUEUED for bcp.ke.busia in inbox notice.> (node offline)"), "\(out)")
        #expect(out.contains("WITHHELD from ncb.tz.dodoma (inbox alerts): denied-country"), "\(out)")
        #expect(out.contains("inbox    bcp.ke.busia notice.>  queued "), "\(out)")
        #expect(out.contains("on conn 2 (redelivery, record "), "\(out)")
        #expect(out.contains("    receipted ") && out.contains("on conn 2 (record "), "\(out)")
        #expect(out.contains("no connected recipients: queued for the durable inboxes of bcp.ke.busia"), "\(out)")

        let waiting = try Self.nex(["audit", "trace", Self.b], in: workspace)
        #expect(waiting.standardOutput.contains("STILL WAITING: not receipted"), "\(waiting.standardOutput)")
        let expired = try Self.nex(["audit", "trace", Self.c, "--json"], in: workspace)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(expired.standardOutput.utf8)) as? [String: Any])
        let inbox = try #require((object["inboxes"] as? [[String: Any]])?.first)
        #expect((inbox["expired"] as? [String: Any])?["bound"] as? String == "limits.inboxMaxAgeSeconds")
        #expect((inbox["deliveries"] as? [[String: Any]])?.count == 1)
    }
}
