import ArgumentParser
import Foundation
import NexClient
import NexNotices
import NexSync
import NexWire

/// Signs and publishes one follow-up and prints nexd's answer, as `nex publish` does.
enum FollowUpPublisher {
    static func publish(_ payload: [UInt8], kind: NoticeKind, topic: String, connection: ConnectionOptions, json: Bool) throws {
        if let violation = NoticeValidator.validate(payload, as: kind, sentBy: connection.node) {
            throw ValidationError("invalid \(kind.rawValue): \(violation)")
        }
        let (credentials, client) = try connection.connectForPublishing(as: "nex notice \(kind.rawValue)")
        defer { client.close() }
        let signed = try NoticeSigner.sign(Envelope(
            messageID: .random(), sender: connection.node, topic: topic, kind: kind.rawValue,
            issuedAtMillis: WallClock.nowMillis(), payload: payload), with: credentials.key)
        switch try client.publish(signed, timeout: .seconds(30)) {
        case .accepted(let ack):
            print(json ? #"{"outcome":"accepted","msg":"\#(ack.messageID)","auditSeq":\#(ack.auditSequence)}"#
                       : "accepted: \(kind.rawValue) msg \(ack.messageID) audit-seq \(ack.auditSequence)")
        case .refused(let nack):
            print(json ? #"{"outcome":"refused","msg":"\#(nack.messageID)","code":"\#(nack.code.name)","reason":\#(jsonString(nack.reason))}"#
                       : "refused: \(nack.code.name): \(nack.reason)")
            throw ExitCode(1)
        }
    }
}
