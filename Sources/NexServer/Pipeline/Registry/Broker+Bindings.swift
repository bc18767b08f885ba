#if canImport(Glibc)
import Glibc
#endif
import NexBroker
import NexNotices
import NexWire

/// Documents that name other records (D60; broker queue): a hit the notice or diffusion it
/// matched, a decision the request it decides (and, accepted, the notice published), a colour
/// notice the request it answers — each judged against the notice registry by ``HitRules`` and
/// ``RequestBindingRules`` before the publish is routed.
extension Broker {
    /// What a bound publish names: the request a decision decides, the record a hit matched.
    struct Binding {
        var decidedRequest: MessageID?
        var matchedRecord: MessageID?
    }

    /// What `verified` is bound to (nothing for most publishes); or the reason it is refused
    /// (`invalid-notice`).
    func bindingPlan(for verified: VerifiedPublish) -> Result<Binding, WireError> {
        let kind = verified.kind
        let isColour = kind.isColourNotice
        // A colour notice is read again only when it may name a request: most do not, and the
        // publish path of the benchmarks' notices stays one parse.
        guard kind == .hit || kind == .decision || kind.isReplyToHit || kind == .sltd || (isColour && Self.mayNameRequest(verified.envelope.payload)) else {
            return .success(Binding())
        }
        guard let references = NoticeValidator.references(in: verified.envelope.payload, as: kind) else {
            return .failure(WireError(.invalidNotice, "the \(kind.rawValue) document cannot be read"))
        }
        func view(_ id: String?) -> NoticeRegistry.View? {
            id.flatMap(MessageID.init(string:)).flatMap { registry.lookup($0) }
        }
        let tokens = verified.topic.tokens
        let reason: String?
        var decided: MessageID?
        var matched: MessageID?
        switch kind {
        case .hit:
            // TopicConventions admitted hit.<owner-country>.<check-country> only. The border post's
            // country is the roster's in force (a reload may have moved it, D55).
            let country = settings.directory.node(verified.identity.id)?.country ?? verified.identity.country
            // A document number is looked up among the owner country's lost or stolen document records (D62).
            let record = references.documentNumber.map { registry.lookup(document: $0, issuedBy: tokens[1]) } ?? view(references.noticeMessageID)
            reason = HitRules.refusal(of: references, ownerToken: tokens[1], checkToken: tokens[2], sender: verified.identity.id,
                                      senderCountry: country, record: record)
            matched = record?.id
        case .sltd:
            // One active record per document number and issuing country (D62).
            let existing = references.documentNumber.flatMap { registry.lookup(document: $0, issuedBy: tokens[1]) }
            reason = existing.flatMap { record in
                record.state == .active
                    ? "sltd refused: document number \(LogSafe.text(references.documentNumber ?? "", limit: 80)) of \(tokens[1]) is already reported (record \(record.id), active): update or cancel that record"
                    : nil
            }
        case .hitAck, .actionRequest:
            let node = settings.directory.node(verified.identity.id)
            let hit = references.hit.flatMap(MessageID.init(string:)).flatMap { registry.lookupHit($0) }
            reason = ReplyRules.refusal(
                kind: kind, hitID: references.hit, topicCountry: tokens[1], allowedNodes: verified.envelope.allowedNodes,
                sender: verified.identity.id, senderRole: node?.role, senderCountry: node?.country ?? verified.identity.country,
                hit: hit, matchedRecord: hit?.matched.flatMap { registry.lookup($0) })
        case .decision:
            decided = references.request.flatMap(MessageID.init(string:))
            reason = RequestBindingRules.decisionRefusal(
                references, topicCountry: tokens[1], request: view(references.request),
                existingDecision: decided.flatMap { registry.decision(on: $0) }, notice: view(references.noticeMessageID))
        default:
            reason = RequestBindingRules.noticeRefusal(references, kind: kind, topicCountry: TopicConventions.placement(of: verified.topic).country,
                                                       request: view(references.request))
        }
        if let reason { return .failure(WireError(.invalidNotice, reason)) }
        return .success(Binding(decidedRequest: decided, matchedRecord: matched))
    }

    private static let requestKey = Array(#""request""#.utf8)

    /// Whether `payload` holds the bytes `"request"` (a member name, or a string) or any backslash
    /// (a member name may be spelt with escapes, `"re\u0071uest"`, which the validator reads as
    /// `request`): a cheap test before parsing; `"requested_by"` alone does not match. It runs on
    /// every colour notice on the broker queue, so it scans with `memchr`: for the backslash, then
    /// for the needle's `q`, rare in notice text where the needle's opening quote is everywhere.
    static func mayNameRequest(_ payload: [UInt8]) -> Bool {
        let needle = requestKey
        guard payload.count >= needle.count else { return false }
        return payload.withUnsafeBytes { raw -> Bool in
            // Sound: `raw` is non-empty (checked above) and lives for the closure; every read
            // below stays inside it (`start >= 0`, `start + needle.count <= raw.count`).
            let base = raw.baseAddress!
            if memchr(base, Int32(UInt8(ascii: "\\")), raw.count) != nil { return true }
            let qOffset = 3  // "req…: the needle's q
            var from = qOffset
            let lastQ = raw.count - needle.count + qOffset
            while from <= lastQ {
                guard let hit = memchr(base + from, Int32(UInt8(ascii: "q")), lastQ - from + 1) else { return false }
                let start = base.distance(to: UnsafeRawPointer(hit)) - qOffset
                if memcmp(base + start, needle, needle.count) == 0 { return true }
                from = start + qOffset + 1
            }
            return false
        }
    }
}
