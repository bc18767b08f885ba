import Foundation
import NexAudit
import NexCrypto

extension ExecutableTests.Workspace {
    /// Opens a fresh audit log at `var/audit` in this workspace, its checkpoints signed by a new
    /// self-signed `nexd-audit` key valid for the next hour (every `checkpointEvery` records when given).
    func openAuditLog(startingAt start: Int64, checkpointEvery: Int? = nil) throws -> AuditLog {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let now = Date()
        let certificate = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "nexd-audit", validity: now.addingTimeInterval(-60)...now.addingTimeInterval(3600)), key: key)
        var configuration = AuditLog.Configuration(directory: path + "/var/audit")
        configuration.checkpointSigner = CheckpointSigner(key: key, certificate: certificate)
        if let checkpointEvery { configuration.checkpointEveryRecords = checkpointEvery }
        try FileManager.default.createDirectory(atPath: configuration.directory, withIntermediateDirectories: true)
        return try AuditLog(configuration: configuration, nowMillis: start)
    }
}
