import Foundation
import NexAgentRunner
import NexAgents
import NexAudit
import NexClient
import NexCrypto
import NexNotices
import NexSync
import NexWire
import Testing

/// Agents over real mutual TLS with the shipped permissions (issue 16 §3): a border post detects a
/// planted Red Notice subject by face alone and the owner NCB receives the hit and answers; a
/// border post's watchlist survives a restart of the agent, and the cancellation it missed while
/// it was down reaches it from its inbox.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AgentTests {
    /// A running agent: its runner on its own thread.
    final class Lane<Agent: NodeAgent>: @unchecked Sendable {
        let runner: AgentRunner<Agent>
        private let done = DispatchSemaphore(value: 0)
        let lines = Locked<[String]>([])

        init(_ agent: Agent, on nexd: TestDaemon, stateDirectory: String? = nil) throws {
            let credentials = try nexd.credentials(agent.node)
            let ca = nexd.pki.ca
            let lines = self.lines
            var options = AgentRunner<Agent>.Options(stateDirectory: stateDirectory)
            options.maximumRetryDelay = .seconds(1)
            runner = try AgentRunner(agent: agent, credentials: credentials, options: options, connect: { capabilities in
                let context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key, trustRoots: [ca])
                // The port of the daemon running now (a restarted one listens on a new port).
                return try NexConnection(host: "127.0.0.1", port: nexd.port, context: context, timeout: .seconds(5), capabilities: capabilities)
            }, log: { line in lines.withLock { $0.append(line) } })
            Thread.detachNewThread { [runner, done] in
                _ = runner.run()
                done.signal()
            }
        }

        /// Waits (up to `timeout`) until `condition` holds of the agent.
        func await(_ what: String, timeout: Duration = .seconds(15), _ condition: (Agent) -> Bool) throws {
            let deadline = ContinuousClock.now + timeout
            while !runner.withAgent({ condition($0) }) {
                guard ContinuousClock.now < deadline else {
                    throw InboxTestFailure("\(what) did not happen; the agent said:\n" + lines.withLock { $0.suffix(20).joined(separator: "\n") })
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }

        func stop() {
            runner.stop()
            done.wait()
        }
    }

    static func daemon() throws -> TestDaemon {
        try WorkflowRuleRefusalTests.daemon()
    }

    /// A Red Notice of Rwanda whose subject carries only a face template.
    static func faceOnlyRedNotice(seed: UInt64 = 11) -> String {
        var generator = SeededGenerator(seed: seed)
        let subject = SyntheticPeople.subject(nationality: "rw", modalities: [.face], using: &generator)
        let document: [String: Any] = [
            "kind": "red", "fictional": true, "subject": subject, "charges": ["Financing a terrorist group (synthetic case)"],
            "warrant": ["issuing_country": "rw", "reference": "RW-E2E-1", "issued_on": "2026-01-12"], "requested_by": "ncb.rw.kigali",
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self)
    }

    static func post(travellersPerMinute: Double = 0) -> BorderPostAgent {
        BorderPostAgent(node: "bcp.ke.busia", country: "ke",
                        stream: TravellerStream(seed: 5, post: "bcp.ke.busia", country: "ke", otherCountries: ["ug"], watchlistedShare: 0),
                        travellersPerMinute: travellersPerMinute)
    }

    @Test func aBorderPostDetectsARedNoticeSubjectByFaceOnlyAndTheOwnerNCBReceivesTheHit() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let busia = try Lane(Self.post(travellersPerMinute: 600), on: nexd)
        defer { busia.stop() }
        let kigali = try Lane(NCBAgent(node: "ncb.rw.kigali", country: "rw", partners: [], seed: 1), on: nexd)
        defer { kigali.stop() }
        try busia.await("the post attached") { _ in busia.lines.withLock { $0.contains { $0.hasPrefix("connected") } } }
        try kigali.await("the NCB attached") { _ in kigali.lines.withLock { $0.contains { $0.hasPrefix("connected") } } }

        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.faceOnlyRedNotice())
        guard case .accepted = try gs.publish(notice) else { Issue.record("the Red Notice was refused"); return }
        let noticeID = "\(notice.envelope.messageID)"
        _ = busia.runner.withAgent { $0.plant(.init(recordID: noticeID, disguise: .alias)) }

        try busia.await("the planted traveller was detected") { $0.state.outcomes.contains { $0.truth == noticeID && $0.detected } }
        let outcome = try #require(busia.runner.withAgent { $0.state.outcomes.first { $0.truth == noticeID } })
        // By face alone: the alias carries another name, another date of birth, a clean document.
        #expect(outcome.hits.map(\.method) == [.face] && outcome.hits.map(\.recordID) == [noticeID])
        #expect(outcome.hits[0].action == "detained")
        try busia.await("nexd accepted the hit") { $0.state.outcomes.first { $0.truth == noticeID }?.hits.first?.messageID != nil }
        let hitID = try #require(busia.runner.withAgent { $0.state.outcomes.first { $0.truth == noticeID }?.hits.first?.messageID })

        // The owner NCB received it (nexd routed it to Rwanda on hit.rw.ke) and answered the post.
        try kigali.await("Kigali received the hit") { $0.state.counts.hitsOnOwnData >= 1 }
        #expect(kigali.lines.withLock { $0.contains("HIT on our red at bcp.ke.busia by face: detained") })
        // (Ordinary travellers cross too: a false match on one would be a hit and an answer of its own.)
        try busia.await("the post received the answers") { _ in
            busia.lines.withLock { $0.contains("ACTION REQUESTED on hit \(hitID) by ncb.rw.kigali: detain") }
        }
        #expect(busia.lines.withLock { $0.contains { $0.hasPrefix("ACKNOWLEDGED hit \(hitID) by ncb.rw.kigali: confirmed") } })

        // The audit log holds the hit bound to the notice, on the owner's topic.
        let hit = try #require(try nexd.auditRecords().first { $0.event == "publish" && $0.string("msg") == hitID })
        #expect(hit.string("outcome") == "accepted" && hit.string("topic") == "hit.rw.ke")
    }

    @Test func aBorderPostsWatchlistSurvivesARestartAndCatchesUpOnWhatItMissed() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let state = nexd.root + "/agents/bcp.ke.busia"
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")

        let first = try Lane(Self.post(), on: nexd, stateDirectory: state)
        try first.await("the post attached") { _ in first.lines.withLock { $0.contains { $0.hasPrefix("connected") } } }
        let kept = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.faceOnlyRedNotice(seed: 1))
        let cancelled = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.faceOnlyRedNotice(seed: 2))
        for notice in [kept, cancelled] {
            guard case .accepted = try gs.publish(notice) else { Issue.record("a notice was refused"); return }
        }
        try first.await("both notices on the watchlist") { $0.state.watchlist.entries.count == 2 }
        first.stop()

        // While the post is down, the General Secretariat cancels one notice.
        let cancel = try signedNotice(from: gsCredentials, topic: "notice.red.rw", kind: "cancel",
                                      payload: #"{"kind":"cancel","original":"\#(cancelled.envelope.messageID)","reason":"arrest"}"#)
        guard case .accepted = try gs.publish(cancel) else { Issue.record("the cancellation was refused"); return }

        // A new agent process: its state comes from disk; the inbox redelivers only the cancellation.
        let saved = try #require(try AgentSavedState.read(directory: state)?.agent)
        let restored = BorderPostAgent(node: "bcp.ke.busia", country: "ke", stream: Self.post().state.stream, travellersPerMinute: 0,
                                       state: try BorderPostAgent.state(decoding: saved))
        #expect(restored.state.watchlist.entries.count == 2)
        let second = try Lane(restored, on: nexd, stateDirectory: state)
        defer { second.stop() }
        try second.await("the cancellation applied") { $0.state.watchlist.entries.keys.sorted() == ["\(kept.envelope.messageID)"] }
        #expect(second.lines.withLock { $0.contains { $0.contains("durable inboxes") && $0.hasSuffix(": 1 waiting") } })
    }

    @Test func aBorderPostOfflineKeepsCheckingAndReportsItsHitsWhenNexdIsBack() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let busia = try Lane(Self.post(travellersPerMinute: 600), on: nexd, stateDirectory: nexd.root + "/agents/busia")
        defer { busia.stop() }
        try busia.await("the post attached") { _ in busia.lines.withLock { $0.contains { $0.hasPrefix("connected") } } }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.faceOnlyRedNotice(seed: 3))
        guard case .accepted = try gs.publish(notice) else { Issue.record("the Red Notice was refused"); return }
        let id = "\(notice.envelope.messageID)"
        try busia.await("the notice on the watchlist") { $0.state.watchlist.entries[id] != nil }

        // nexd goes away; the subject crosses under their own name; the hit waits in the outbox.
        nexd.stop()
        _ = busia.runner.withAgent { $0.plant(.init(recordID: id, disguise: .trueName)) }
        try busia.await("the subject checked while offline") { $0.state.outcomes.contains { $0.truth == id && $0.detected } }
        try busia.await("the hit kept in the outbox") { _ in busia.runner.pendingCount >= 1 }
        #expect(busia.runner.withAgent { $0.state.outcomes.first { $0.truth == id }?.hits.first?.messageID } == nil)

        // nexd is back: the hit is sent and accepted, bound to the notice.
        try nexd.restart()
        try busia.await("the kept hit accepted", timeout: .seconds(30)) { $0.state.outcomes.first { $0.truth == id }?.hits.first?.messageID != nil }
        let hitID = try #require(busia.runner.withAgent { $0.state.outcomes.first { $0.truth == id }?.hits.first?.messageID })
        let hit = try #require(try nexd.auditRecords().first { $0.event == "publish" && $0.string("msg") == hitID })
        #expect(hit.string("outcome") == "accepted" && hit.string("topic") == "hit.rw.ke")
    }

    @Test func anNCBsRequestIsReviewedByTheGeneralSecretariatAndDecided() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let gs = try Lane(GeneralSecretariatAgent(node: "gs.fr.lyon", countries: ["rw"], seed: 1), on: nexd)
        defer { gs.stop() }
        try gs.await("the General Secretariat attached") { _ in gs.lines.withLock { $0.contains { $0.hasPrefix("connected") } } }
        let kigali = try Lane(NCBAgent(node: "ncb.rw.kigali", country: "rw", partners: ["ug"], seed: 1, publishEverySeconds: 3_600), on: nexd)
        defer { kigali.stop() }
        try kigali.await("Kigali heard the decision") { $0.state.counts.decisionsAccepted + $0.state.counts.decisionsRefused == 1 }
        #expect(gs.runner.withAgent { $0.state.counts.requests } == 1)
        // The review is deterministic: the outcome is the one the digest of Kigali's first request gives.
        var probe = NCBAgent(node: "ncb.rw.kigali", country: "rw", partners: ["ug"], seed: 1, publishEverySeconds: 3_600)
        let request = try #require(probe.tick(atMillis: WallClock.nowMillis()).compactMap { if case .publish(let n) = $0 { n } else { nil } }.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.document)) as? [String: Any])
        let refused = GeneralSecretariatAgent.isRefused(object)
        #expect(kigali.runner.withAgent { $0.state.counts.decisionsRefused } == (refused ? 1 : 0))
        if !refused {
            // The decision named the notice published: Kigali knows it as its Red Notice, and its
            // request is decided (no longer pending).
            let notice = try #require(try nexd.auditRecords().first { $0.event == "publish" && $0.string("topic") == "notice.red.rw" })
            #expect(notice.string("outcome") == "accepted")
            let noticeID = try #require(notice.string("msg"))
            try kigali.await("Kigali knows the notice") { $0.state.records[noticeID] == "red" && $0.state.requests.isEmpty }
        }
        #expect(kigali.runner.withAgent { $0.state.counts.refusals } == 0 && gs.runner.withAgent { $0.state.counts.refusedByNexd } == 0)
    }

    @Test func oneStateIsRunByOneAgentAndAForeignFileIsNotOverwritten() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let state = nexd.root + "/agents/busia"
        let first = try Lane(Self.post(), on: nexd, stateDirectory: state)
        defer { first.stop() }
        #expect(throws: AgentStateError.self) { _ = try Lane(Self.post(), on: nexd, stateDirectory: state) }
        var attributes = try FileManager.default.attributesOfItem(atPath: state)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        try first.await("the state written") { _ in FileManager.default.fileExists(atPath: state + "/state.json") }
        attributes = try FileManager.default.attributesOfItem(atPath: state + "/state.json")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // A file of another shape is refused, not taken for an empty state.
        let other = nexd.root + "/agents/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        for text in ["{}", #"{"agent":5,"outbox":[]}"#, #"{"agent":null,"outbox":"x"}"#, "[1]"] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: other + "/state.json"))
            #expect(throws: AgentStateError.self, "\(text)") { _ = try AgentSavedState.read(directory: other) }
        }
    }
}
