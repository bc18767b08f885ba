import Foundation
import NexCrypto
import Testing
@testable import NexAudit

@Suite struct AuditReviewTests {
    @Test(arguments: [
        ("notice.red.rw", "notice.red.rw", true), ("notice.*.rw", "notice.red.rw", true), ("notice.>", "notice.red.rw", true),
        ("notice.>", "notice", false), ("notice.*", "notice.red.rw", false), ("hit.rw", "hit.ke", false), (">", "hit", true),
    ])
    func topicPatterns(pattern: String, topic: String, matches: Bool) throws {
        #expect(try #require(TopicPattern(pattern)).matches(topic) == matches)
    }

    @Test(arguments: ["", "a..b", "a.>.b"])
    func invalidTopicPatterns(pattern: String) {
        #expect(TopicPattern(pattern) == nil)
    }

    private func query(_ fixture: NoticeLogFixture, _ configure: (inout AuditQuery) -> Void, usesIndex: Bool = true) throws -> [AuditRecord] {
        var query = AuditQuery()
        configure(&query)
        var records: [AuditRecord] = []
        try query.run(directory: fixture.directory, usesIndex: usesIndex, indexDirectory: fixture.directory + "/index") {
            records.append($0); return true
        }
        return records
    }

    @Test func queriesFilterByEveryField() throws {
        let fixture = try NoticeLogFixture()
        defer { fixture.temp.remove() }
        let id = fixture.messageIDs[1]
        for usesIndex in [true, false] {
            #expect(try query(fixture, { $0.messageID = id }, usesIndex: usesIndex).map { $0.event ?? "" } == ["publish", "route", "receipt"])
        }
        #expect(try query(fixture, { $0.events = ["publish"]; $0.outcomes = ["refused"] }).map { $0.string("msg") } == [fixture.refusedID])
        #expect(try query(fixture, { $0.reasons = ["bad-signature"] }).count == 1)
        #expect(try query(fixture, { $0.countries = ["ke"] }).count == 1)
        #expect(try query(fixture, { $0.kinds = ["red"] }).count == 3)
        #expect(try query(fixture, { $0.topic = TopicPattern("notice.*.rw") }).count == 6)  // 3 publishes, 3 routes
        #expect(try query(fixture, { $0.nodes = ["ncb.tz.dodoma"] }).count == 3)  // withheld in every route
        #expect(try query(fixture, { $0.events = ["checkpoint"] }).count >= 3)
        let since = NoticeLogFixture.start + 60_000
        #expect(try query(fixture, { $0.since = since; $0.until = since + 60_000; $0.events = ["publish"] }).map { $0.string("msg") } == [fixture.messageIDs[1]])
    }

    /// `--received-by`: the routes that delivered to the node and its own receipts, nothing else.
    @Test func receivedByListsDeliveringRoutesAndTheNodesReceipts() throws {
        let fixture = try NoticeLogFixture()
        defer { fixture.temp.remove() }
        let rusumo = try query(fixture, { $0.receivedBy = "bcp.rw.rusumo" })
        #expect(rusumo.map { $0.event ?? "" } == Array(repeating: ["route", "receipt"], count: 3).flatMap { $0 })
        #expect(rusumo.filter { $0.event == "receipt" }.flatMap { $0.strings("received") } == fixture.messageIDs)
        // Kigali was delivered to but never confirmed; Dodoma was withheld from; Lyon only published.
        #expect(try query(fixture, { $0.receivedBy = "ncb.rw.kigali" }).map { $0.event ?? "" } == ["route", "route", "route"])
        #expect(try query(fixture, { $0.receivedBy = "ncb.tz.dodoma" }).isEmpty)
        #expect(try query(fixture, { $0.receivedBy = "gs.fr.lyon" }).isEmpty)
        #expect(try AuditQuery.nodesNamed(directory: fixture.directory) == ["gs.fr.lyon", "bcp.rw.rusumo", "ncb.rw.kigali", "ncb.tz.dodoma", "ncb.ke.nairobi"])
    }

    @Test func traceShowsTheChainOfCustody() throws {
        let fixture = try NoticeLogFixture()
        defer { fixture.temp.remove() }
        let id = fixture.messageIDs[0]
        let index = AuditIndex(directory: fixture.directory, indexDirectory: fixture.directory + "/index")
        let trace = AuditTrace(messageID: id, records: try index.records(message: id), certificate: index.certificateRecord(fingerprint:))
        #expect(trace.acceptance?.string("node") == "gs.fr.lyon")
        #expect(trace.acceptance?.string("cert") == fixture.certificate.fingerprint.hex)
        #expect(trace.signatureCheck?.hasPrefix("valid") == true)
        #expect(trace.recipients.map(\.node) == ["bcp.rw.rusumo", "ncb.rw.kigali"])
        #expect(trace.withheld == [.init(node: "ncb.tz.dodoma", connection: 4, reason: "denied-country")])
        #expect(trace.route?.string("restrictions") == "deny-countries=tz")
        #expect(trace.receipts.map(\.node) == ["bcp.rw.rusumo"])
        #expect(trace.receipts.first?.time == Timestamp.format(millis: NoticeLogFixture.start + 20))
        #expect(trace.unreceipted.map(\.node) == ["ncb.rw.kigali"])
    }

    @Test func statsCountPerFieldAndPerMinute() throws {
        let fixture = try NoticeLogFixture()
        defer { fixture.temp.remove() }
        var stats = AuditStats()
        try AuditQuery().run(directory: fixture.directory) { stats.add($0); return true }
        #expect(stats.byEvent["publish"] == 4)
        #expect(stats.byEvent["route"] == 3)
        #expect(stats.byCountry["ke"] == 1)
        #expect(stats.byKind["red"] == 3)
        #expect(AuditStats.top(stats.refusalsByReason) .first?.0 == "bad-signature")
        let firstMinute = NoticeLogFixture.start / 60_000
        #expect(stats.perMinute[firstMinute + 1] == 3)
    }

    @Test func theIndexUpdatesIncrementallyAndRebuildsWhenTheLogChanged() throws {
        let fixture = try NoticeLogFixture()
        defer { fixture.temp.remove() }
        let index = AuditIndex(directory: fixture.directory, indexDirectory: fixture.directory + "/index")
        let first = try index.update()
        #expect(first.rebuilt && first.added > 0)
        #expect(try index.update().added == 0)
        var configuration = AuditLog.Configuration(directory: fixture.directory)
        configuration.checkpointSigner = fixture.signer
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        var receipt = AuditEvent(.receipt, timeMillis: NoticeLogFixture.start + 300_000)
        receipt.node = "ncb.rw.kigali"; receipt.connection = 3; receipt.receivedMessageIDs = [fixture.messageIDs[0]]
        log.append([receipt])
        log.close()
        let second = try index.update()
        #expect(!second.rebuilt && second.added == 1)
        #expect(try index.records(message: fixture.messageIDs[0]).count == 4)
        // Rewrite the log from scratch: the recorded position no longer holds the same record.
        var lines = try AuditTestSupport.lines(in: fixture.directory)
        lines.removeLast(3)
        try AuditTestSupport.write(lines, to: fixture.directory)
        #expect(try index.update().rebuilt)
    }

    @Test func inclusionProofsCheckOfflineAndFailWhenAltered() throws {
        let fixture = try NoticeLogFixture()
        defer { fixture.temp.remove() }
        let text = try AuditProofs.inclusion(directory: fixture.directory, messageID: fixture.messageIDs[2])
        let check = AuditProofCheck(text: text, certificate: fixture.signer.certificate)
        #expect(check.isValid)
        #expect(check.records.count == 3)
        #expect(!AuditProofCheck(text: text, certificate: try AuditTestSupport.signer().certificate).isValid)
        // Change one hex digit of the first audit path hash, then one character of a record line.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let records = try #require(object["records"] as? [[String: Any]])
        let hash = try #require((records[0]["proof"] as? [String])?.first)
        let alteredHash = text.replacingOccurrences(of: hash, with: String(hash.dropLast()) + (hash.last == "0" ? "1" : "0"))
        #expect(!AuditProofCheck(text: alteredHash, certificate: fixture.signer.certificate).isValid)
        let line = try #require(records[0]["line"] as? String)
        var lineBytes = [UInt8](try #require(Data(base64Encoded: line)))
        lineBytes[30] ^= 0x01
        let alteredLine = text.replacingOccurrences(of: line, with: Data(lineBytes).base64EncodedString())
        #expect(!AuditProofCheck(text: alteredLine, certificate: fixture.signer.certificate).isValid)
    }

    @Test func consistencyProofsBetweenCheckpoints() throws {
        let fixture = try NoticeLogFixture()
        defer { fixture.temp.remove() }
        let sizes = try query(fixture, { $0.events = ["checkpoint"] }).compactMap { $0.integer("size") }.map(UInt64.init)
        #expect(sizes.count >= 3)
        let text = try AuditProofs.consistency(directory: fixture.directory, oldSize: sizes[0], newSize: sizes.last!)
        #expect(AuditProofCheck(text: text, certificate: fixture.signer.certificate).isValid)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let first = try #require((object["proof"] as? [String])?.first)
        let altered = text.replacingOccurrences(of: first, with: String(first.reversed()))
        #expect(!AuditProofCheck(text: altered, certificate: fixture.signer.certificate).isValid)
        let witness = try #require(try AuditCheckpointFile.read(directory: fixture.directory))
        let fromWitness = try AuditProofs.consistency(directory: fixture.directory, old: witness, newSize: nil)
        #expect(AuditProofCheck(text: fromWitness, certificate: fixture.signer.certificate).isValid)
    }
}
