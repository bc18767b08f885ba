import Foundation
import NexClient
import NexCrypto
import NexServer
import NexWire
import Testing

/// A node sending bad signatures spends its budget of failed checks; past it its publishes are
/// refused before any signature is checked, and other nodes are served as before.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct FailedVerificationFloodTests {
    /// A notice from `credentials` whose signature does not verify.
    static func badlySigned(from credentials: NodeCredentials) throws -> SignedEnvelope {
        let notice = try signedNotice(from: credentials)
        var signature = notice.signature
        signature[signature.count / 2] ^= 0x01
        return SignedEnvelope(envelope: notice.envelope, signature: signature)
    }

    @Test func badSignaturesAreCheckedOnlyWithinTheBudget() throws {
        let burst = 10
        let nexd = try TestDaemon { configuration in
            configuration.limits.failedVerificationsPerSecondPerNode = 1
            configuration.limits.failedVerificationsBurstPerNode = burst
        }
        defer { nexd.remove() }
        let (flooder, gs) = try nexd.connect(as: "gs.fr.lyon")
        let count = 300
        let notices = try (0..<count).map { _ in try Self.badlySigned(from: gs) }
        let started = Date()
        try flooder.sendRaw(notices.flatMap { FrameEncoder.encode(.publish(envelope: $0.wireBytes)) })
        var codes: [WireErrorCode: Int] = [:]
        var overloadReason = ""
        for _ in notices {
            let nack = try flooder.awaitFrame(timeout: .seconds(10)) { frame -> Nack? in
                if case .nack(let nack) = frame { nack } else { nil }
            }
            codes[nack.code, default: 0] += 1
            if nack.code == .overloaded { overloadReason = nack.reason }
        }
        let elapsed = Date().timeIntervalSince(started)
        // Each bad-signature NACK is one signature checked; the others were refused unchecked. The
        // bound: the burst, the refill over the flood, and the checks already running on the
        // verification pool when the budget ran out (at most one per verification thread).
        let checked = codes[.badSignature, default: 0]
        #expect(checked >= burst)
        #expect(checked <= burst + Int(elapsed.rounded(.up)) + ProcessInfo.processInfo.activeProcessorCount, "\(checked) checks in \(elapsed) s")
        #expect(codes[.overloaded, default: 0] == count - checked)
        #expect(overloadReason.contains("limits.failedVerificationsPerSecondPerNode"))

        // Another node is served, and the refusals are recorded naming the key.
        let kigali = try nexd.credentials("ncb.rw.kigali")
        guard case .accepted = try nexd.connect(kigali).publish(try signedNotice(from: kigali, topic: "request.red.rw")) else {
            Issue.record("another node was refused while one node sent bad signatures"); return
        }
        #expect(try nexd.awaitRecord {
            $0.event == "publish" && $0.string("reason") == "overloaded"
                && ($0.string("detail") ?? "").contains("limits.failedVerificationsPerSecondPerNode")
        } != nil)
    }
}
