import Foundation
import NexClient
import NexWire
import Testing

/// Bad frames: an error frame with a stable code, an audit record, the connection closed — and
/// every other node still served.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ProtocolErrorTests {
    static let cases: [(String, [UInt8], WireErrorCode)] = [
        ("unknown frame type", [0, 0, 0, 1, 0x66], .unknownFrameType),
        ("zero length", [0, 0, 0, 0], .malformedFrame),
        ("oversized length", [0x00, 0x10, 0x00, 0x01, 0x10], .frameTooLarge),
        ("truncated body inside a frame", [0, 0, 0, 3, 0x50, 1, 2], .malformedFrame),
        ("server-only frame", FrameEncoder.encode(.welcome(Welcome(
            protocolVersion: 1, nodeID: "x", role: "gs", country: "fr", maximumFrameSize: 1, maximumSubscriptions: 1,
            replayWindowSeconds: 1, serverTimeMillis: 1, extensions: []))), .protocolViolation),
        ("second hello", FrameEncoder.encode(.hello(Hello(protocolVersion: 1, clientName: "again", extensions: []))), .protocolViolation),
        ("receipt for a delivery never sent", FrameEncoder.encode(.receipt(throughDeliverySequence: 5)), .protocolViolation),
    ]

    @Test(arguments: cases)
    func aBadFrameGetsAnErrorFrameAndOthersKeepWorking(name: String, bytes: [UInt8], code: WireErrorCode) throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (bystander, _) = try nexd.connect(as: "bcp.rw.rusumo")
        _ = try bystander.subscribe("notice.>", id: 1)
        let (offender, _) = try nexd.connect(as: "ncb.ug.kampala")
        try offender.sendRaw(bytes)
        do {
            let frame = try offender.nextFrame(timeout: .seconds(5))
            Issue.record("\(name): expected an error frame, got \(frame)")
        } catch {
            #expect(error.code == .refused(code), "\(name): \(error)")
        }
        #expect(throws: ClientError.self) { try offender.nextFrame(timeout: .seconds(5)) }
        let record = try nexd.awaitRecord { $0.event == "protocol-error" }
        #expect(record?.string("reason") == code.name)
        #expect(record?.string("node") == "ncb.ug.kampala")

        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        guard case .accepted = try publisher.publish(try signedNotice(from: gs)) else { Issue.record("refused"); return }
        _ = try bystander.nextDelivery(timeout: .seconds(5))
    }
}
