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

/// Renders an ``AuditTrace``.
enum AuditTraceText {
    static func text(_ trace: AuditTrace) -> String {
        var out = "message \(trace.messageID)\n"
        for publish in trace.publishes {
            out += "  publish  record \(publish.sequence ?? 0)  \(publish.string("time") ?? "")  \(publish.string("outcome") ?? "?")"
            if let reason = publish.string("reason") { out += " (\(reason))" }
            out += "\n    by \(publish.string("node") ?? "?") (\(publish.string("country") ?? "?")), certificate \(publish.string("cert") ?? "?")\n"
            out += "    topic \(publish.string("topic") ?? "?"), kind \(publish.string("kind") ?? "?")\n"
        }
        if let check = trace.signatureCheck { out += "  signature: \(check)\n" }
        if let route = trace.route {
            out += "  route    record \(route.sequence ?? 0)  \(route.string("time") ?? "")"
            if let restrictions = route.string("restrictions") { out += "  restrictions: \(restrictions)" }
            out += "\n"
            for recipient in trace.recipients {
                out += "    delivered to \(recipient.node) (conn \(recipient.connection.map(String.init) ?? "?"), subs \(recipient.subscriptions.map(String.init).joined(separator: ",")))\n"
            }
            for withheld in trace.withheld {
                out += "    WITHHELD from \(withheld.node) (conn \(withheld.connection.map(String.init) ?? "?")): \(withheld.reason ?? "?")\n"
            }
        } else if trace.acceptance != nil {
            out += "  route: no routing record\n"
        }
        for receipt in trace.receipts {
            out += "  receipt  record \(receipt.sequence)  \(receipt.time)  from \(receipt.node) (conn \(receipt.connection.map(String.init) ?? "?"))\n"
        }
        if trace.route != nil {
            let missing = trace.unreceipted
            out += missing.isEmpty ? "  every recipient confirmed receipt\n"
                : "  NO RECEIPT from: \(missing.map(\.node).joined(separator: ", "))\n"
        }
        return out
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
        return String(decoding: data, as: UTF8.self)
    }
}
