import ArgumentParser
import Foundation
import NexAudit
import NexNotices

/// `nex audit trace`.
struct AuditTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Chain of custody of one message: publisher, decision, recipients, withheld, receipts, durable inboxes, follow-ups, hits.",
        discussion: """
            For an accepted notice, request, alert or diffusion, the lifecycle follows: the request the notice \
            answers and the decision on it, the notice, then its updates, the hits that matched it and its \
            cancellation or withdrawal, in log order. For a follow-up it points back to its original, for a hit to \
            the record it matched, for a decision to the notice it names (or the request it refused), and shows \
            the same chain.
            Uses the message index (built or updated first; see --index-dir). When the notice was queued for or \
            delivered with an entry of a durable inbox, the log is also scanned for what became of it there: \
            queued → delivered (when, on which connection, live or redelivered) → receipted, or expired.
            """
    )

    @OptionGroup var directory: AuditDirectoryOptions
    @OptionGroup var indexOptions: AuditIndexOptions

    @Argument(help: "Message id (UUID).")
    var messageID: String

    @Flag(name: .long, help: "Print the trace as one JSON object.")
    var json = false

    func validate() throws {
        guard UUID(uuidString: messageID) != nil else {
            throw ValidationError("\"\(messageID)\" is not a message id; pass the UUID shown by `nex publish` or `nex audit query`")
        }
    }

    func run() throws {
        guard let out = try Self.render(messageID: messageID, directory: directory.dir, indexDirectory: indexOptions.indexDir, json: json) else {
            print("no record names message \(messageID.lowercased())")
            throw ExitCode(1)
        }
        print(out, terminator: json ? "\n" : "")
    }

    /// The trace of `messageID` as `nex audit trace` prints it (text, or one JSON object without
    /// its newline), or nil when no record names it. `nex simulate` puts each planted case's in its report.
    static func render(messageID: String, directory: String, indexDirectory: String?, json: Bool = false) throws -> String? {
        let id = messageID.lowercased()
        let index = AuditIndex(directory: directory, indexDirectory: indexDirectory)
        let answer = try index.find(message: id)
        answer.ignoredEntries.forEach(AuditIndexOptions.warn)
        let records = answer.records
        guard !records.isEmpty else { return nil }
        var trace = AuditTrace(messageID: id, records: records, certificate: index.certificateRecord(fingerprint:),
                               batchRecords: index.batchRecords(root:))
        try trace.traceInboxes(directory: directory)
        // The chain: a follow-up points back to its original, a hit to the record it matched, a
        // decision to the notice it names (or, refused, to its request); a record lists what
        // followed it, the hits on it and the decisions naming it (D57, D60).
        let ownFollowUp = trace.acceptance.flatMap { AuditLifecycleChain.followUp(in: ArraySlice($0.bytes)) }
        // A reply (D63) names a hit, not a record: it is traced on its own.
        let ownMention = ownFollowUp == nil
            ? trace.acceptance.flatMap { AuditLifecycleChain.mention(in: ArraySlice($0.bytes)) }.flatMap { $0.kind.isReplyToHit ? nil : $0 } : nil
        let original = ownFollowUp?.followUp.original ?? ownMention.flatMap { $0.references.noticeMessageID ?? $0.references.request } ?? id
        func acceptance(of message: String) throws -> AuditRecord? {
            try index.find(message: message).records.first { $0.event == "publish" && $0.string("outcome") == "accepted" }
        }
        let originalAcceptance = try original == id ? trace.acceptance : acceptance(of: original)
        let chain = trace.acceptance == nil ? nil
            : try AuditLifecycleChain.read(directory: directory, original: original, document: originalAcceptance.flatMap(AuditLifecycleChain.document(of:)))
        // The request the notice answers, with its decision (request → decision → notice).
        let requestID = originalAcceptance.flatMap(AuditLifecycleChain.request(namedBy:))
        let requestAcceptance = try requestID.flatMap { try acceptance(of: $0) }
        let context = AuditTraceText.ChainContext(
            followUpOf: ownFollowUp?.followUp, mentionOf: ownMention, originalAcceptance: originalAcceptance,
            request: requestID, requestAcceptance: requestAcceptance)
        if json { return AuditTraceText.json(trace, chain: chain, context: context) }
        return AuditTraceText.text(trace) + (chain.map { AuditTraceText.chainText($0, context: context) } ?? "")
    }
}

/// Renders an ``AuditTrace``. Text output passes every string from the log through
/// ``TerminalText/inert(_:)``; JSON output is escaped by `JSONSerialization` and then made inert
/// with ``TerminalText/inertJSON(_:)``.
enum AuditTraceText {
    static func text(_ trace: AuditTrace) -> String {
        func field(_ record: AuditRecord, _ key: String) -> String { TerminalText.inert(record.string(key) ?? "?") }
        func connection(_ value: Int64?) -> String { value.map(String.init) ?? "?" }
        var out = "message \(TerminalText.inert(trace.messageID))\n"
        for publish in trace.publishes {
            out += "  publish  record \(publish.sequence ?? 0)  \(TerminalText.inert(publish.string("time") ?? ""))  \(field(publish, "outcome"))"
            if publish.string("reason") != nil { out += " (\(field(publish, "reason")))" }
            // nexd's own expire has no country: no node sent it (D61).
            let sender = publish.string("kind") == "expire" && publish.string("country") == nil ? "nexd, signed with its audit key" : field(publish, "country")
            out += "\n    by \(field(publish, "node")) (\(sender)), certificate \(field(publish, "cert"))\n"
            out += "    topic \(field(publish, "topic")), kind \(field(publish, "kind"))"
            if let expiresAt = publish.string("expiresAt") { out += ", expires at \(TerminalText.inert(expiresAt))" }
            out += "\n"
        }
        if let check = trace.signatureCheck { out += "  signature: \(TerminalText.inert(check))\n" }
        if let route = trace.route {
            out += "  route    record \(route.sequence ?? 0)  \(TerminalText.inert(route.string("time") ?? ""))"
            if route.string("restrictions") != nil { out += "  restrictions: \(field(route, "restrictions"))" }
            out += "\n"
            for recipient in trace.recipients {
                let inboxes = recipient.inboxes.isEmpty ? "" : "; inbox entry \(recipient.inboxes.map(TerminalText.inert).joined(separator: ", "))"
                out += "    delivered to \(TerminalText.inert(recipient.node)) (conn \(connection(recipient.connection)), subs \(recipient.subscriptions.map(String.init).joined(separator: ","))\(inboxes))\(exceptionText(recipient))\n"
            }
            for queued in trace.queued {
                out += "    QUEUED for \(TerminalText.inert(queued.node)) in inbox \(TerminalText.inert(queued.inboxes.first ?? "?")) (node offline)\(exceptionText(queued))\n"
            }
            for withheld in trace.withheld {
                let place = withheld.connection == nil && !withheld.inboxes.isEmpty
                    ? "inbox \(TerminalText.inert(withheld.inboxes[0]))" : "conn \(connection(withheld.connection))"
                out += "    WITHHELD from \(TerminalText.inert(withheld.node)) (\(place)): \(TerminalText.inert(withheld.reason ?? "?"))\n"
            }
        } else if trace.acceptance != nil {
            out += "  route: no routing record\n"
        }
        for receipt in trace.receipts {
            out += "  receipt  record \(receipt.sequence)  \(TerminalText.inert(receipt.time))  from \(TerminalText.inert(receipt.node)) (conn \(connection(receipt.connection)))\n"
        }
        for history in trace.inboxes { out += inboxText(history) }
        if trace.route != nil { out += "  " + receiptSummary(trace) + "\n" }
        return out
    }

    /// queued → delivered (each time) → receipted, or expired, or still waiting.
    static func inboxText(_ history: InboxLedger.History) -> String {
        func time(_ millis: Int64) -> String { Timestamp.format(millis: millis) }
        func conn(_ value: UInt64?) -> String { value.map { "conn \($0)" } ?? "conn ?" }
        let how = history.wasQueuedOffline ? "node offline" : "delivered live"
        var out = "  inbox    \(TerminalText.inert(history.inbox.node)) \(TerminalText.inert(history.inbox.name))  queued \(time(history.queuedAtMillis)) (record \(history.routeRecord), \(how))\n"
        for delivery in history.deliveries {
            out += "    delivered \(time(delivery.timeMillis)) on \(conn(delivery.connection)) (\(delivery.isRedelivery ? "redelivery" : "live"), record \(delivery.record))\n"
        }
        if let receipted = history.receiptedAtMillis {
            out += "    receipted \(time(receipted)) on \(conn(history.receiptConnection)) (record \(history.receiptRecord ?? 0))\n"
        } else if let expired = history.expiredAtMillis {
            out += "    EXPIRED \(time(expired)) (\(TerminalText.inert(history.expiryBound ?? "?")), record \(history.expiryRecord ?? 0))\n"
        } else {
            out += "    STILL WAITING: not receipted\(history.deliveries.isEmpty ? ", never delivered" : "")\n"
        }
        return out
    }

    /// One true sentence about receipts: a route with no recipients was delivered to nobody, so
    /// "every recipient confirmed receipt" would mislead.
    static func receiptSummary(_ trace: AuditTrace) -> String {
        if trace.recipients.isEmpty, !trace.queued.isEmpty {
            let nodes = trace.queued.map { TerminalText.inert($0.node) }
            return "no connected recipients: queued for the durable inboxes of \(nodes.joined(separator: ", ")) (see the inbox lines)"
        }
        if trace.recipients.isEmpty {
            let withheld = trace.withheld.map { TerminalText.inert($0.node) }
            return withheld.isEmpty ? "no recipients: nobody was delivered this message (no subscriber matched)"
                : "no recipients: nobody was delivered this message (withheld from \(withheld.joined(separator: ", ")))"
        }
        let missing = trace.unreceipted
        return missing.isEmpty ? "every recipient confirmed receipt"
            : "NO RECEIPT from: \(missing.map { TerminalText.inert($0.node) }.joined(separator: ", "))"
    }

    /// ` — COMPLIANCE COPY: …` for a recipient that received the notice only by the compliance
    /// exception to the originator's restrictions (D55), or the exception's name.
    static func exceptionText(_ recipient: AuditTrace.Recipient) -> String {
        switch recipient.exception {
        case nil: ""
        case "compliance": " — COMPLIANCE COPY (General Secretariat review, an exception to the originator's restrictions, D55)"
        case let other?: " — exception \(TerminalText.inert(other))"
        }
    }

    static func json(_ trace: AuditTrace) -> String {
        func recipient(_ r: AuditTrace.Recipient) -> [String: Any] {
            var object: [String: Any] = ["node": r.node]
            if let connection = r.connection { object["conn"] = connection }
            if let reason = r.reason { object["reason"] = reason } else if r.connection != nil { object["subs"] = r.subscriptions }
            if r.connection == nil, let inbox = r.inboxes.first { object["inbox"] = inbox } else if !r.inboxes.isEmpty { object["inboxes"] = r.inboxes }
            if let exception = r.exception { object["exception"] = exception }
            return object
        }
        func inbox(_ h: InboxLedger.History) -> [String: Any] {
            var object: [String: Any] = ["node": h.inbox.node, "inbox": h.inbox.name, "seq": h.acceptanceSequence,
                                         "queued": Timestamp.format(millis: h.queuedAtMillis), "route": h.routeRecord, "offline": h.wasQueuedOffline]
            object["deliveries"] = h.deliveries.map { d -> [String: Any] in
                var delivery: [String: Any] = ["time": Timestamp.format(millis: d.timeMillis), "record": d.record, "redelivery": d.isRedelivery]
                delivery["conn"] = d.connection
                return delivery
            }
            if let time = h.receiptedAtMillis {
                var receipt: [String: Any] = ["time": Timestamp.format(millis: time), "record": h.receiptRecord ?? 0]
                receipt["conn"] = h.receiptConnection
                object["receipted"] = receipt
            }
            if let time = h.expiredAtMillis {
                object["expired"] = ["time": Timestamp.format(millis: time), "bound": h.expiryBound ?? "", "record": h.expiryRecord ?? 0] as [String: Any]
            }
            return object
        }
        var object: [String: Any] = ["msg": trace.messageID]
        object["publishes"] = trace.publishes.map { p in
            ["seq": p.sequence ?? 0, "time": p.string("time") ?? "", "node": p.string("node") ?? "", "cert": p.string("cert") ?? "",
             "outcome": p.string("outcome") ?? "", "reason": p.string("reason") ?? "", "topic": p.string("topic") ?? "", "kind": p.string("kind") ?? ""] as [String: Any]
        }
        if let check = trace.signatureCheck { object["signature"] = check }
        if let route = trace.route {
            object["route"] = ["seq": route.sequence ?? 0, "time": route.string("time") ?? "", "restrictions": route.string("restrictions") ?? ""] as [String: Any]
        }
        object["recipients"] = trace.recipients.map(recipient)
        object["withheld"] = trace.withheld.map(recipient)
        object["queued"] = trace.queued.map(recipient)
        object["inboxes"] = trace.inboxes.map(inbox)
        object["receipts"] = trace.receipts.map { ["seq": $0.sequence, "time": $0.time, "node": $0.node] as [String: Any] }
        object["unreceipted"] = trace.unreceipted.map(\.node)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return TerminalText.inertJSON(String(decoding: data, as: UTF8.self))
    }
}
