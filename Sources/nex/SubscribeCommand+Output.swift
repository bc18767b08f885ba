import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexNotices
import NexWire

extension SubscribeCommand {
    /// One delivery as printed: a JSON object per line with --json, else a few lines of text.
    func describe(_ delivery: Deliver, _ signed: SignedEnvelope?, verification: DeliveryVerification) -> String {
        let envelope = signed?.envelope
        let payload = envelope.map { String(decoding: $0.payload, as: UTF8.self) } ?? ""
        let received = Timestamp.format(millis: Int64(delivery.receivedAtMillis))
        // A follow-up (D57) is announced first; an empty subscription list means it came because
        // this node holds the original, not through a subscription.
        let followUp = envelope.flatMap { envelope in
            NoticeKind(rawValue: envelope.kind).flatMap { NoticeValidator.followUp(in: envelope.payload, as: $0) }
        }
        // Priority and handling codes (D58): an urgent record is announced first (URGENT).
        let markings = envelope.flatMap { NoticeMarkings.read(from: $0.payload) } ?? .unmarked
        let handling = markings.handling.map(\.rawValue)
        if json {
            let markingFields = #","priority":"\#(markings.priority.rawValue)","handling":[\#(handling.map { jsonString($0) }.joined(separator: ","))]"#
            let followUpField = (followUp.map { #","followUp":\#(jsonString($0.summary))"# } ?? "") + markingFields
            let issued = envelope.map { Timestamp.format(millis: $0.issuedAtMillis) } ?? ""
            let fingerprint = SHA256Digest(bytes: delivery.certificateFingerprint)?.hex ?? ""
            return #"{"delivery":\#(delivery.deliverySequence),"subscriptions":\#(delivery.subscriptionIDs),"origin":\#(jsonString(delivery.originNode)),"msg":"\#(envelope?.messageID.description ?? "")","topic":\#(jsonString(envelope?.topic ?? "")),"kind":\#(jsonString(envelope?.kind ?? "")),"issuedAt":"\#(issued)","receivedAt":"\#(received)","auditSeq":\#(delivery.auditSequence),"cert":"\#(fingerprint)",\#(jsonFields(verification)),"payload":\#(jsonString(payload))\#(followUpField)}"#
        }
        // Another node wrote all of this: control characters are shown escaped, never interpreted
        // (in the JSON document as \uXXXX, so it still reads as the same JSON).
        let inert = TerminalText.inert
        let urgent = markings.priority == .urgent ? ["URGENT"] : []
        let announced = followUp.map { [inert($0.summary) + (delivery.subscriptionIDs.isEmpty ? " (you hold the original)" : "")] } ?? []
        let heading = (urgent + announced).isEmpty ? "" : (urgent + announced).joined(separator: " ") + "\n"
        let marks = markings == .unmarked ? "" : "\n  priority \(markings.priority.rawValue)" + (handling.isEmpty ? "" : " · handling \(handling.joined(separator: ", "))")
        return heading + """
            delivery \(delivery.deliverySequence) from \(inert(delivery.originNode)) · topic \(inert(envelope?.topic ?? "?")) · kind \(inert(envelope?.kind ?? "?"))
              msg \(envelope?.messageID.description ?? "?") · audit-seq \(delivery.auditSequence) · received \(received) · \(inert(text(verification)))\(marks)
            \(payload.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + TerminalText.inertJSON(String($0)) }.joined(separator: "\n"))
            """
    }

    /// `signature verified`, or `signature NOT verified: <reason>`.
    private func text(_ verification: DeliveryVerification) -> String {
        switch verification {
        case .verified: "signature verified"
        case .notVerified(let failure): "signature NOT verified: \(failure.reason)"
        }
    }

    /// `"signature":"verified"`, or `"signature":"not-verified","signatureProblem":CODE,"signatureReason":TEXT`.
    private func jsonFields(_ verification: DeliveryVerification) -> String {
        switch verification {
        case .verified:
            #""signature":"verified""#
        case .notVerified(let failure):
            #""signature":"not-verified","signatureProblem":"\#(failure.code.rawValue)","signatureReason":\#(jsonString(failure.reason))"#
        }
    }
}
