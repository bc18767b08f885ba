import Foundation
import NexAudit
import Testing

/// `nex audit verify`'s engine over a log written by a real daemon run.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AuditTamperTests {
    @Test func flippingOneByteOfTheDaemonsLogIsReportedAtThatRecord() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        _ = try subscriber.subscribe("notice.>", id: 1)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        for _ in 0..<3 { _ = try publisher.publish(try signedNotice(from: gs)) }
        publisher.close()
        subscriber.close()
        nexd.stop()
        let intact = try AuditVerifier.verify(directory: nexd.auditDirectory)
        #expect(intact.foundNoProblem)
        #expect(intact.verifiedSignatures == 3)

        let records = try nexd.auditRecords()
        let target = try #require(records.first { $0.event == "publish" && $0.string("outcome") == "accepted" })
        let segment = nexd.auditDirectory + "/" + target.segment
        var lines = try String(contentsOfFile: segment, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[target.line - 1] = lines[target.line - 1].replacingOccurrences(of: "notice.red.fr", with: "notice.red.fx")
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: segment))

        let tampered = try AuditVerifier.verify(directory: nexd.auditDirectory)
        let problem = try #require(tampered.problem)
        #expect(problem.sequence == target.sequence)
        #expect(problem.line == target.line)
    }
}
