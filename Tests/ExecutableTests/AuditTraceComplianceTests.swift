import Foundation
import NexAudit
import NexCrypto
import Testing

/// `nex audit trace` shows a diffusion's compliance copy to the General Secretariat (D55, audit
/// format 4), in text and JSON.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AuditTraceComplianceTests {
    static let diffusionID = "01a224b8-c2c5-762c-a784-7e66fcb5a7fe"

    static func workspaceWithComplianceCopy() throws -> ExecutableTests.Workspace {
        let workspace = try ExecutableTests.Workspace()
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let now = Date()
        let certificate = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "nexd-audit", validity: now.addingTimeInterval(-60)...now.addingTimeInterval(3600)), key: key)
        var configuration = AuditLog.Configuration(directory: workspace.path + "/var/audit")
        configuration.checkpointSigner = CheckpointSigner(key: key, certificate: certificate)
        try FileManager.default.createDirectory(atPath: configuration.directory, withIntermediateDirectories: true)
        let start = (Int64(now.timeIntervalSince1970) - 60) * 1000
        let log = try AuditLog(configuration: configuration, nowMillis: start)
        var diffusion = AuditEvent(.publish, timeMillis: start, outcome: .accepted)
        diffusion.node = "ncb.rw.kigali"; diffusion.country = "rw"; diffusion.messageID = diffusionID
        diffusion.topic = "diffusion.rw"; diffusion.noticeKind = "diffusion"
        var route = AuditEvent(.route, timeMillis: start + 1)
        route.node = "ncb.rw.kigali"; route.messageID = diffusionID; route.topic = "diffusion.rw"
        route.recipients = [.init(node: "ncb.ug.kampala", connection: 4, subscriptions: [1]),
                            .init(node: "gs.fr.lyon", connection: 5, subscriptions: [1], exception: AuditEvent.complianceException)]
        route.withheld = []
        route.restrictions = "allow-countries=ug"
        log.append([diffusion, route])
        log.close()
        return workspace
    }

    @Test func traceMarksTheComplianceCopy() throws {
        let workspace = try Self.workspaceWithComplianceCopy()
        let text = try ProcessRunner.run("nex", ["audit", "trace", Self.diffusionID], in: workspace.path)
        #expect(text.status == 0, "\(text.standardError)")
        let lines = text.standardOutput.split(separator: "\n")
        let gs = try #require(lines.first { $0.contains("delivered to gs.fr.lyon") })
        #expect(gs.contains("COMPLIANCE COPY"), "\(gs)")
        let uganda = try #require(lines.first { $0.contains("delivered to ncb.ug.kampala") })
        #expect(!uganda.contains("COMPLIANCE"), "\(uganda)")

        let json = try ProcessRunner.run("nex", ["audit", "trace", Self.diffusionID, "--json"], in: workspace.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let recipients = try #require(object["recipients"] as? [[String: Any]])
        #expect(recipients.first { $0["node"] as? String == "gs.fr.lyon" }?["exception"] as? String == "compliance")
        #expect(recipients.first { $0["node"] as? String == "ncb.ug.kampala" }?["exception"] == nil)
    }
}
