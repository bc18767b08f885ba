import ArgumentParser
import Foundation
import NexConfig
import NexNotices
import NexWire

/// What every `nex notice update|cancel|withdraw` takes: the original and where it travels, why,
/// and the node that signs (D57; docs/NOTICES.md "Follow-ups").
struct FollowUpOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The original's topic: follow-ups travel on it (e.g. notice.red.rw).",
        discussion: "Without it, nex asks on a terminal; `nex audit trace ORIGINAL` shows the topic."))
    var topic: String?

    @Option(name: .long, help: "Why: \(FollowUpReason.allCases.map(\.rawValue).joined(separator: ", ")).")
    var reason: String?

    @Option(name: .long, help: "Free text with the reason (required with --reason other).")
    var reasonText: String?

    @Flag(name: .long, help: "Print the outcome as JSON.")
    var json = false

    /// The checked reason; `fallback` when --reason is not given (nil: --reason is required).
    func checkedReason(fallback: FollowUpReason?) throws -> FollowUpReason {
        guard let reason else {
            guard let fallback else {
                throw ValidationError("give --reason, one of \(FollowUpReason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return fallback
        }
        guard let known = FollowUpReason(rawValue: reason) else {
            throw ValidationError("unknown reason \"\(reason)\"; use one of \(FollowUpReason.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if known == .other, (reasonText ?? "").isEmpty {
            throw ValidationError("--reason other needs --reason-text saying why")
        }
        return known
    }

    /// --topic, or the topic typed at the terminal when it is missing.
    func originalTopic(of original: String) throws -> String {
        if let topic { return topic }
        guard isatty(STDIN_FILENO) == 1 else {
            throw ValidationError("give --topic: the original's topic (`nex audit trace \(original)` shows it)")
        }
        FileHandle.standardError.write(Data("topic of \(original) (e.g. notice.red.rw): ".utf8))
        guard let line = readLine(), !line.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("no topic given")
        }
        return line.trimmingCharacters(in: .whitespaces)
    }

    /// The follow-up document (JSON) for `kind`; `document` is an update's new document, inserted
    /// byte for byte.
    /// Signs and publishes a `cancel` or `withdraw` of `original` (no new document) on the
    /// original's topic, with the reason given, and prints nexd's answer.
    func publishWithoutDocument(_ kind: NoticeKind, original: String, connection: ConnectionOptions) throws {
        let payload = Self.document(kind: kind, original: original, reason: try checkedReason(fallback: nil), reasonText: reasonText)
        try FollowUpPublisher.publish(payload, kind: kind, topic: try originalTopic(of: original), connection: connection, json: json)
    }

    static func document(kind: NoticeKind, original: String, reason: FollowUpReason, reasonText: String?,
                         version: Int? = nil, document: [UInt8]? = nil) -> [UInt8] {
        var text = #"{"kind":"\#(kind.rawValue)","original":"\#(original)","reason":"\#(reason.rawValue)""#
        if let reasonText { text += #","reason_text":\#(jsonString(reasonText))"# }
        if let version { text += #","version":\#(version)"# }
        var bytes = Array(text.utf8)
        if let document {
            bytes += Array(#","document":"#.utf8)
            bytes += document
        }
        bytes += Array("}\n".utf8)
        return bytes
    }

    /// Checks ORIGINAL's form.
    static func checkOriginal(_ original: String) throws {
        guard MessageID(string: original) != nil, original == original.lowercased() else {
            throw ValidationError("\"\(original)\" is not a message id: lowercase UUID text, as `nex publish` printed it")
        }
    }
}
