import Foundation
import Testing
@testable import NexAudit

/// Format 4 (D55): a recipient or queued entry may carry `"exception":"compliance"` — a diffusion
/// copied to the General Secretariat for compliance review. The writer's bytes, both verifiers on
/// a log that holds it, the rule that a format-3 run cannot, and the entries' canonical shapes.
@Suite struct AuditFormat4Tests {
    static let messageID = "8f6f2a9e-1c2b-4d3e-9f00-000000000004"

    static func complianceRoute() -> AuditEvent {
        var route = AuditEvent(.route, timeMillis: ContractPKI.nowMillis())
        route.messageID = messageID
        route.recipients = [.init(node: "ncb.ug.kampala", connection: 1, subscriptions: [1]),
                            .init(node: "gs.fr.lyon", connection: 2, subscriptions: [3], exception: AuditEvent.complianceException)]
        route.queued = [.init(node: "gs.fr.lyon", inbox: "diffusion.>", exception: AuditEvent.complianceException)]
        route.withheld = [.init(node: "ncb.tz.dar-es-salaam", connection: 4, reason: "not-in-allowed")]
        route.restrictions = "allow-countries=ug"
        return route
    }

    @Test func theExceptionFollowsTheEntry() {
        var route = Self.complianceRoute()
        route.timeMillis = 0
        let text = String(decoding: route.encodedMembers(), as: UTF8.self)
        #expect(text.contains(#""recipients":[{"node":"ncb.ug.kampala","conn":1,"subs":[1]},{"node":"gs.fr.lyon","conn":2,"subs":[3],"exception":"compliance"}]"#))
        #expect(text.contains(#""queued":[{"node":"gs.fr.lyon","inbox":"diffusion.>","exception":"compliance"}]"#))
    }

    /// Writes `start` (declaring `format`) and the compliance route; returns the log's directory.
    static func writeLog(format: Int, in temp: TemporaryDirectory, pki: ContractPKI) throws -> String {
        let directory = temp.path + "/audit"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.checkpointSigner = pki.signer
        let log = try AuditLog(configuration: configuration, nowMillis: ContractPKI.nowMillis())
        var start = AuditEvent(.start, timeMillis: ContractPKI.nowMillis())
        start.format = format
        log.append([start, complianceRoute()])
        log.close()
        return directory
    }

    static func options(_ pki: ContractPKI) -> AuditVerifier.Options {
        var options = AuditVerifier.Options()
        options.certificateAuthorities = [pki.authority]
        options.auditCertificate = pki.signer.certificate
        return options
    }

    @Test func aFormat4LogIsIntactToBothVerifiers() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let directory = try Self.writeLog(format: 4, in: temp, pki: pki)
        let result = try AuditVerifier.verify(directory: directory, options: Self.options(pki))
        #expect(result.verdict == .intact, "\(String(describing: result.problem))")
        guard PythonVerifierTests.python != nil else { return }
        let (status, output) = try PythonVerifierTests.run([directory] + (try pki.anchorArguments(writingTo: temp.path)))
        #expect(status == 0, "\(output)")
    }

    /// A format-3 run cannot have written an exception: both verifiers say TAMPERED (not canonical),
    /// as a format-3 verifier's canonical-form check would.
    @Test func anExceptionInAFormat3RunIsTampered() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let directory = try Self.writeLog(format: 3, in: temp, pki: pki)
        let result = try AuditVerifier.verify(directory: directory, options: Self.options(pki))
        let problem = try #require(result.problem)
        #expect(problem.kind == .tampered)
        #expect(problem.sequence == 2)
        #expect(problem.reason.contains("an exception in a \"recipients\" or \"queued\" entry is audit format 4 content"), "\(problem)")
        guard PythonVerifierTests.python != nil else { return }
        let (status, output) = try PythonVerifierTests.run([directory] + (try pki.anchorArguments(writingTo: temp.path)))
        #expect(status == 1, "\(output)")
        #expect(output.contains("TAMPERED: record 2 "), "\(output)")
        #expect(output.contains("an exception in a \"recipients\" or \"queued\" entry"), "\(output)")
    }

    /// The exception is a string, after `inboxes` in a recipient and after `inbox` in a queued entry.
    @Test(arguments: [
        (#"{"node":"a","conn":1,"subs":[2],"exception":7}"#, "recipients"),
        (#"{"node":"a","conn":1,"exception":"compliance","subs":[2]}"#, "recipients"),
        (#"{"node":"a","conn":1,"subs":[2],"exception":"compliance","inboxes":["x"]}"#, "recipients"),
        (#"{"node":"a","exception":"compliance","inbox":"x"}"#, "queued"),
        (#"{"node":"a","inbox":"x","exception":null}"#, "queued"),
    ])
    func malformedExceptionsAreNotCanonical(entry: String, member: String) throws {
        let line = #"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"route","\#(member)":[\#(entry)]}"#
        let members = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(AuditFormat.canonicalFormProblem(Array(line.utf8)[...], members: members) != nil)
        let good = member == "queued" ? #"{"node":"a","inbox":"x","exception":"compliance"}"#
            : #"{"node":"a","conn":1,"subs":[2],"inboxes":["x"],"exception":"compliance"}"#
        let fine = #"{"seq":1,"time":"2026-12-02T00:00:00.000Z","event":"route","\#(member)":[\#(good)]}"#
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(fine.utf8)) as? [String: Any])
        #expect(AuditFormat.canonicalFormProblem(Array(fine.utf8)[...], members: parsed) == nil)
    }
}
