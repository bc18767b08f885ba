import Foundation
import NexClient
import NexConfig
import NexCrypto
import NexServer
import NexWire
import Testing

/// The replay cache is shared fairly: one node's flood fills only its own share.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ReplayShareTests {
    /// The test roster without the NCB of France, so that it has 5 nodes; notices go to
    /// notice.red.rw, which names Rwanda's NCB as requesting (D55).
    static let roster = TestDaemon.roster.filter { $0.id != "ncb.fr.paris" }
    static let topic = "notice.red.rw"

    /// 30 entries over a roster of 5: each node's share is 6 (the derived default).
    static func smallCache(_ configuration: inout DaemonConfiguration) {
        configuration.roster = Roster(roster)
        configuration.limits.replayCacheEntries = 30
        configuration.limits.publishRatePerNode = 0
    }

    /// Sends `count` notices from `credentials` back to back and returns the answers in order.
    static func flood(_ connection: NexConnection, from credentials: NodeCredentials, count: Int) throws -> (answers: [String], accepted: [SignedEnvelope]) {
        let notices = try (0..<count).map { _ in try signedNotice(from: credentials, topic: Self.topic) }
        try connection.sendRaw(notices.flatMap { FrameEncoder.encode(.publish(envelope: $0.wireBytes)) })
        var answers: [String] = []
        var accepted: [SignedEnvelope] = []
        for notice in notices {
            let answer = try connection.awaitFrame(timeout: .seconds(10)) { frame -> String? in
                switch frame {
                case .ack: "ack"
                case .nack(let nack): nack.code.name
                default: nil
                }
            }
            if answer == "ack" { accepted.append(notice) }
            answers.append(answer)
        }
        return (answers, accepted)
    }

    @Test func aFloodingNodeIsRefusedAndAnotherStillPublishes() throws {
        let nexd = try TestDaemon(configure: Self.smallCache)
        defer { nexd.remove() }
        let (flooder, gs) = try nexd.connect(as: "gs.fr.lyon")
        // More than the whole cache: before shares, this left every node `overloaded`.
        let (answers, accepted) = try Self.flood(flooder, from: gs, count: 40)
        #expect(answers == Array(repeating: "ack", count: 6) + Array(repeating: "overloaded", count: 34))

        let border = try nexd.credentials("bcp.rw.rusumo")
        let other = try nexd.connect(border)
        let hit = try signedNotice(from: border, topic: "hit.rw.rw", kind: "hit", matching: accepted[0].envelope.messageID)
        guard case .accepted = try other.publish(hit) else {
            Issue.record("another node was refused while one node flooded"); return
        }
        // A full share hides no replay: the flooder's accepted id with other bytes is still `replay`.
        let replay = try signedNotice(from: gs, topic: Self.topic, revision: 2, messageID: accepted[0].envelope.messageID)
        guard case .refused(let nack) = try flooder.publish(replay) else { Issue.record("replay accepted"); return }
        #expect(nack.code == .replay)
        #expect(try nexd.awaitRecord {
            $0.event == "publish" && $0.string("reason") == "overloaded"
                && ($0.string("detail") ?? "").contains("limits.replayCacheEntriesPerNode")
        } != nil)
    }

    /// A reload that grows the roster divides the cache anew (the per-node key unset), so the old
    /// nodes together cannot keep the newcomers' room.
    @Test func aReloadThatGrowsTheRosterRedividesTheCache() throws {
        let nexd = try TestDaemon { configuration in
            Self.smallCache(&configuration)
            configuration.roster = Roster(Self.roster.filter { $0.id != "bcp.ke.busia" })   // 30 ÷ 4: 7 each
        }
        defer { nexd.remove() }
        var grown = nexd.configuration
        grown.roster = Roster(Self.roster)   // 30 ÷ 5: 6 each
        guard case .applied(let summary) = nexd.daemon.reload(to: grown) else { Issue.record("reload refused"); return }
        #expect(summary.contains("replay cache share 7 → 6 ids per node"), "\(summary)")
        let (flooder, gs) = try nexd.connect(as: "gs.fr.lyon")
        let (answers, _) = try Self.flood(flooder, from: gs, count: 8)
        #expect(answers == Array(repeating: "ack", count: 6) + Array(repeating: "overloaded", count: 2))
    }

    /// D39: after the reload that grows the roster, the old nodes' ids (7 each, over their new
    /// share of 6) keep the cache of 30 full for up to two windows; the newcomer, under its share,
    /// is still admitted (a full cache refuses only nodes at their fair part).
    @Test func aNewcomerGetsItsShareWhileTheOldNodesIdsFillTheCache() throws {
        let nexd = try TestDaemon { configuration in
            Self.smallCache(&configuration)
            configuration.roster = Roster(Self.roster.filter { $0.id != "bcp.ke.busia" })   // 30 ÷ 4: 7 each
        }
        defer { nexd.remove() }
        // The border posts' hits match the General Secretariat's first notice (D60).
        var matched = MessageID.zero
        for node in ["gs.fr.lyon", "ncb.rw.kigali", "ncb.ug.kampala", "bcp.rw.rusumo"] {
            let (connection, credentials) = try nexd.connect(as: node)
            let notices = try (0..<7).map { _ in
                node.hasPrefix("bcp.") ? try signedNotice(from: credentials, topic: "hit.rw.rw", kind: "hit", matching: matched)
                    : try signedNotice(from: credentials, topic: Self.topic)
            }
            if node == "gs.fr.lyon" { matched = notices[0].envelope.messageID }
            for notice in notices {
                guard case .accepted = try connection.publish(notice) else { Issue.record("\(node) was refused within its share"); return }
            }
            connection.close()
        }
        var grown = nexd.configuration
        grown.roster = Roster(Self.roster)   // 30 ÷ 5: 6 each
        guard case .applied = nexd.daemon.reload(to: grown) else { Issue.record("reload refused"); return }
        let (newcomer, busia) = try nexd.connect(as: "bcp.ke.busia")
        var answers: [String] = []
        for _ in 0..<6 {
            switch try newcomer.publish(try signedNotice(from: busia, topic: "hit.rw.ke", kind: "hit", matching: matched)) {
            case .accepted: answers.append("ack")
            case .refused(let nack): answers.append("\(nack.code.name): \(nack.reason)")
            }
        }
        #expect(answers == Array(repeating: "ack", count: 6))
    }

    /// The cache rebuilt from the audit log charges each id to its node again.
    @Test func sharesAndReplaysSurviveARestart() throws {
        let nexd = try TestDaemon(configure: Self.smallCache)
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        var flooder = try nexd.connect(gs)
        let (_, accepted) = try Self.flood(flooder, from: gs, count: 8)
        #expect(accepted.count == 6)
        flooder.close()

        try nexd.restart()
        flooder = try nexd.connect(gs)
        guard case .refused(let full) = try flooder.publish(try signedNotice(from: gs, topic: Self.topic)) else {
            Issue.record("the rebuilt cache forgot the flooder's share"); return
        }
        #expect(full.code == .overloaded)
        let replay = try signedNotice(from: gs, topic: Self.topic, revision: 2, messageID: accepted[5].envelope.messageID)
        guard case .refused(let nack) = try flooder.publish(replay) else { Issue.record("replay accepted after restart"); return }
        #expect(nack.code == .replay)
        let border = try nexd.credentials("bcp.rw.rusumo")
        // The hit's notice is known after the restart: the registry is rebuilt from the log (D56, D60).
        let hit = try signedNotice(from: border, topic: "hit.rw.rw", kind: "hit", matching: accepted[0].envelope.messageID)
        guard case .accepted = try nexd.connect(border).publish(hit) else {
            Issue.record("another node was refused after the restart"); return
        }
    }
}
