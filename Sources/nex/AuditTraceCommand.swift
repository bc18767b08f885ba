import ArgumentParser
import Foundation
import NexAudit

/// `nex audit trace`.
struct AuditTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Chain of custody of one message: publisher, decision, recipients, withheld, receipts.",
        discussion: "Uses the message index (built or updated first; see --index-dir)."
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
        let id = messageID.lowercased()
        let index = AuditIndex(directory: directory.dir, indexDirectory: indexOptions.indexDir)
        let answer = try index.find(message: id)
        answer.ignoredEntries.forEach(AuditIndexOptions.warn)
        let records = answer.records
        guard !records.isEmpty else {
            print("no record names message \(id)")
            throw ExitCode(1)
        }
        let trace = AuditTrace(messageID: id, records: records, certificate: index.certificateRecord(fingerprint:))
        if json { print(AuditTraceText.json(trace)) } else { print(AuditTraceText.text(trace), terminator: "") }
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
            out += "\n    by \(field(publish, "node")) (\(field(publish, "country"))), certificate \(field(publish, "cert"))\n"
            out += "    topic \(field(publish, "topic")), kind \(field(publish, "kind"))\n"
        }
        if let check = trace.signatureCheck { out += "  signature: \(TerminalText.inert(check))\n" }
        if let route = trace.route {
            out += "  route    record \(route.sequence ?? 0)  \(TerminalText.inert(route.string("time") ?? ""))"
            if route.string("restrictions") != nil { out += "  restrictions: \(field(route, "restrictions"))" }
            out += "\n"
            for recipient in trace.recipients {
                out += "    delivered to \(TerminalText.inert(recipient.node)) (conn \(connection(recipient.connection)), subs \(recipient.subscriptions.map(String.init).joined(separator: ",")))\n"
            }
            for withheld in trace.withheld {
                out += "    WITHHELD from \(TerminalText.inert(withheld.node)) (conn \(connection(withheld.connection))): \(TerminalText.inert(withheld.reason ?? "?"))\n"
            }
        } else if trace.acceptance != nil {
            out += "  route: no routing record\n"
        }
        for receipt in trace.receipts {
            out += "  receipt  record \(receipt.sequence)  \(TerminalText.inert(receipt.time))  from \(TerminalText.inert(receipt.node)) (conn \(connection(receipt.connection)))\n"
        }
        if trace.route != nil { out += "  " + receiptSummary(trace) + "\n" }
        return out
    }

    /// One true sentence about receipts: a route with no recipients was delivered to nobody, so
    /// "every recipient confirmed receipt" would mislead.
    static func receiptSummary(_ trace: AuditTrace) -> String {
        if trace.recipients.isEmpty {
            let withheld = trace.withheld.map { TerminalText.inert($0.node) }
            return withheld.isEmpty ? "no recipients: nobody was delivered this message (no subscriber matched)"
                : "no recipients: nobody was delivered this message (withheld from \(withheld.joined(separator: ", ")))"
        }
        let missing = trace.unreceipted
        return missing.isEmpty ? "every recipient confirmed receipt"
            : "NO RECEIPT from: \(missing.map { TerminalText.inert($0.node) }.joined(separator: ", "))"
    }

    static func json(_ trace: AuditTrace) -> String {
        func recipient(_ r: AuditTrace.Recipient) -> [String: Any] {
            var object: [String: Any] = ["node": r.node]
            if let connection = r.connection { object["conn"] = connection }
            if let reason = r.reason { object["reason"] = reason } else { object["subs"] = r.subscriptions }
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
        object["receipts"] = trace.receipts.map { ["seq": $0.sequence, "time": $0.time, "node": $0.node] as [String: Any] }
        object["unreceipted"] = trace.unreceipted.map(\.node)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return TerminalText.inertJSON(String(decoding: data, as: UTF8.self))
    }
}
