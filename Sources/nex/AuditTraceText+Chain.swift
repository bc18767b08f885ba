import Foundation
import NexAudit
import NexNotices

/// The lifecycle part of `nex audit trace` (D57, D60): request → decision → notice → updates →
/// hits → cancellation.
extension AuditTraceText {
    /// What the trace knows around the chain: what the traced message itself refers to, and the
    /// records at the chain's start.
    struct ChainContext {
        /// The traced message is this follow-up.
        var followUpOf: FollowUp?
        /// The traced message is this hit or decision.
        var mentionOf: AuditLifecycleChain.Mention?
        /// The acceptance of the chain's record (the notice).
        var originalAcceptance: AuditRecord?
        /// The request the notice names (`request`, D59), and its acceptance when in this log.
        var request: String?
        var requestAcceptance: AuditRecord?
    }

    /// The lifecycle lines: the request and its decision, the original, then its follow-ups and
    /// hits in log order, the state they leave it in.
    static func chainText(_ chain: AuditLifecycleChain, context: ChainContext) -> String {
        let inert = TerminalText.inert
        var out = ""
        if let followUpOf = context.followUpOf { out += "  follow-up of \(inert(followUpOf.original)): \(inert(followUpOf.summary))\n" }
        if let mention = context.mentionOf {
            out += mention.kind == .hit ? "  hit on \(inert(chain.original)): \(inert(mention.summary))\n"
                : "  decision naming \(inert(chain.original)): \(inert(mention.summary))\n"
        }
        out += "  lifecycle of \(inert(chain.original))\n"
        if let request = context.request {
            if let accepted = context.requestAcceptance {
                out += "    record \(accepted.sequence ?? 0)  \(inert(accepted.string("time") ?? "?"))  REQUEST \(inert(request)) by \(inert(accepted.string("node") ?? "?")) on \(inert(accepted.string("topic") ?? "?"))\n"
            } else {
                out += "    answers request \(inert(request)) (not in this log)\n"
            }
        }
        // A decision naming the notice comes before it (request → decision → notice); one
        // deciding the traced request comes after it, in log order.
        for decision in chain.decisions where decision.references.request != chain.original {
            out += "    record \(decision.sequence)  \(inert(decision.time))  \(inert(decision.summary)) (msg \(inert(decision.messageID)))\n"
        }
        if let original = context.originalAcceptance {
            out += "    record \(original.sequence ?? 0)  \(inert(original.string("time") ?? "?"))  \(inert(original.string("kind") ?? "?")) published by \(inert(original.string("node") ?? "?")) on \(inert(original.string("topic") ?? "?")) (version 1)\n"
        } else {
            out += "    the original is not in this log\n"
        }
        var later: [(UInt64, String)] = chain.links.map {
            ($0.sequence, "    record \($0.sequence)  \(inert($0.time))  \(inert($0.followUp.summary)) by \(inert($0.node)) (msg \(inert($0.messageID)))\n")
        }
        later += (chain.hits + chain.replies + chain.decisions.filter { $0.references.request == chain.original }).map {
            ($0.sequence, "    record \($0.sequence)  \(inert($0.time))  \(inert($0.summary)) (msg \(inert($0.messageID)))\n")
        }
        for (_, line) in later.sorted(by: { $0.0 < $1.0 }) { out += line }
        out += "    now: \(chain.state)\(chain.hits.isEmpty ? "" : "; \(chain.hits.count) hit\(chain.hits.count == 1 ? "" : "s")")\n"
        return out
    }

    static func json(_ trace: AuditTrace, chain: AuditLifecycleChain?, context: ChainContext) -> String {
        var object = (try? JSONSerialization.jsonObject(with: Data(json(trace).utf8)) as? [String: Any]) ?? [:]
        if let followUpOf = context.followUpOf { object["followUpOf"] = followUpOf.original }
        if let mention = context.mentionOf, let chain { object[mention.kind == .hit ? "hitOn" : "decisionOn"] = chain.original }
        if let request = context.request { object["request"] = request }
        if let chain {
            var lifecycle: [[String: Any]] = []
            if let request = context.request, let accepted = context.requestAcceptance {
                lifecycle.append(["seq": accepted.sequence ?? 0, "time": accepted.string("time") ?? "", "msg": request,
                                  "kind": accepted.string("kind") ?? "", "node": accepted.string("node") ?? "", "topic": accepted.string("topic") ?? "",
                                  "role": "request"])
            }
            for decision in chain.decisions where decision.references.request != chain.original { lifecycle.append(entry(decision)) }
            if let original = context.originalAcceptance {
                lifecycle.append(["seq": original.sequence ?? 0, "time": original.string("time") ?? "", "msg": chain.original,
                                  "kind": original.string("kind") ?? "", "node": original.string("node") ?? "", "version": 1])
            }
            var later: [[String: Any]] = (chain.hits + chain.replies + chain.decisions.filter { $0.references.request == chain.original }).map(entry)
            for link in chain.links {
                var entry: [String: Any] = ["seq": link.sequence, "time": link.time, "msg": link.messageID, "kind": link.followUp.kind.rawValue,
                                            "node": link.node, "reason": link.followUp.reason.rawValue]
                if let version = link.followUp.version { entry["version"] = version }
                if let text = link.followUp.reasonText { entry["reasonText"] = text }
                later.append(entry)
            }
            lifecycle += later.sorted { ($0["seq"] as? UInt64 ?? 0) < ($1["seq"] as? UInt64 ?? 0) }
            object["lifecycle"] = lifecycle
            object["state"] = chain.state
            object["hits"] = chain.hits.map(\.messageID)
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return TerminalText.inertJSON(String(decoding: data, as: UTF8.self))
    }

    private static func entry(_ mention: AuditLifecycleChain.Mention) -> [String: Any] {
        var entry: [String: Any] = ["seq": mention.sequence, "time": mention.time, "msg": mention.messageID, "kind": mention.kind.rawValue,
                                    "node": mention.node, "topic": mention.topic]
        if let action = mention.references.actionTaken { entry["action"] = action }
        if let outcome = mention.references.outcome { entry["outcome"] = outcome }
        if let request = mention.references.request { entry["request"] = request }
        if let notice = mention.references.noticeMessageID, mention.kind == .decision { entry["notice"] = notice }
        return entry
    }
}
