import Foundation
import NexNotices
import Testing
@testable import NexAgents

/// The NCB, General Secretariat and cyber centre agents (issue 16 §3): what each publishes, and
/// that every document passes nexd's schema.
@Suite struct OfficeAgentTests {
    static let now: Int64 = 1_796_000_000_000

    static func published(_ actions: [AgentAction]) -> [OutgoingNotice] {
        actions.compactMap { if case .publish(let notice) = $0 { notice } else { nil } }
    }

    static func object(_ notice: OutgoingNotice) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(notice.document)) as? [String: Any]) ?? [:]
    }

    static func valid(_ notice: OutgoingNotice, from node: String) -> Bool {
        NoticeValidator.validate(notice.document, as: NoticeKind(rawValue: notice.kind)!, sentBy: node) == nil
    }

    @Test func theOwnerNCBAcknowledgesAHitAndAsksForTheActionTheRecordCallsFor() throws {
        var ncb = NCBAgent(node: "ncb.rw.kigali", country: "rw", partners: ["ug", "bi"], seed: 1)
        let notice = "0190f1d2-7c3a-7000-8000-00000000c001"
        _ = ncb.receive(BorderPostAgentTests.delivery(notice, "red", "notice.red.rw", BorderPostAgentTests.redNotice(subject: BorderPostAgentTests.subject(modalities: []))),
                        atMillis: Self.now)
        let hit = BorderPostAgentTests.delivery("0190f1d2-7c3a-7000-8000-00000000c002", "hit", "hit.rw.ke", [
            "kind": "hit", "matched": ["notice_message_id": notice], "checkpoint": "bcp.ke.busia", "observed_at": "2026-12-03T10:00:00Z",
            "action_taken": "detained", "match": ["method": "face", "similarity_permille": 712],
        ], from: "bcp.ke.busia")
        let answers = Self.published(ncb.receive(hit, atMillis: Self.now))
        #expect(answers.map(\.kind) == ["hit-ack", "action-request"])
        #expect(answers.allSatisfy { $0.topic == "reply.ke" && $0.allowedNodes == ["bcp.ke.busia"] && Self.valid($0, from: "ncb.rw.kigali") })
        #expect(Self.object(answers[1])["action"] as? String == "detain")
        // Kenya's NCB hears of it and answers nothing (not its data).
        var nairobi = NCBAgent(node: "ncb.ke.nairobi", country: "ke", partners: [], seed: 1)
        #expect(Self.published(nairobi.receive(hit, atMillis: Self.now)).isEmpty && nairobi.state.counts.hitsInOwnCountry == 1)
    }

    @Test func anNCBRequestsPublishesDocumentsAndDiffusionsInTurn() {
        var ncb = NCBAgent(node: "ncb.rw.kigali", country: "rw", partners: ["ug", "bi"], seed: 1, publishEverySeconds: 10)
        var kinds: [String] = []
        for step in 0..<3 {
            for notice in Self.published(ncb.tick(atMillis: Self.now + Int64(step) * 10_000)) {
                #expect(Self.valid(notice, from: "ncb.rw.kigali"), "\(notice.kind): \(String(decoding: notice.document, as: UTF8.self))")
                kinds.append("\(notice.kind) on \(notice.topic)")
                if notice.kind == "diffusion" { #expect(notice.allowedCountries == ["ug", "bi"]) }
            }
        }
        #expect(kinds == ["red on request.red.rw", "sltd on sltd.rw", "diffusion on diffusion.rw"])
    }

    @Test func theGeneralSecretariatPublishesTheNoticeThenTheDecision() throws {
        var gs = GeneralSecretariatAgent(node: "gs.fr.lyon", countries: ["rw"], seed: 1)
        var refused = 0
        for index in 0..<40 {
            var generator = SeededGenerator(seed: UInt64(index))
            let request = BorderPostAgentTests.redNotice(subject: SyntheticPeople.subject(nationality: "rw", using: &generator))
            let id = String(format: "0190f1d2-7c3a-7000-8000-%012d", index)
            let actions = Self.published(gs.receive(BorderPostAgentTests.delivery(id, "red", "request.red.rw", request, from: "ncb.rw.kigali"), atMillis: Self.now))
            let first = try #require(actions.first)
            if first.kind == "decision" {
                refused += 1
                #expect(Self.object(first)["outcome"] as? String == "refused" && Self.object(first)["reason"] != nil)
                #expect(first.topic == "decision.rw" && Self.valid(first, from: "gs.fr.lyon"))
                continue
            }
            #expect(first.topic == "notice.red.rw" && Self.object(first)["request"] as? String == id && Self.valid(first, from: "gs.fr.lyon"))
            let decision = try #require(Self.published(gs.answered(first, messageID: "0190f1d2-7c3a-7000-8000-00000000ffff", refusal: nil, atMillis: Self.now)).first)
            #expect(decision.topic == "decision.rw" && Self.valid(decision, from: "gs.fr.lyon"))
            #expect(Self.object(decision)["notice_message_id"] as? String == "0190f1d2-7c3a-7000-8000-00000000ffff")
        }
        // About one in ten is refused, and not none.
        #expect((1...10).contains(refused))
    }

    @Test func listedAffiliatesAndAlertsReachEveryRole() {
        var gs = GeneralSecretariatAgent(node: "gs.fr.lyon", countries: ["so", "ke"], seed: 1, listedAffiliates: 2, publishEverySeconds: 60)
        var cyber = CyberCentreAgent(node: "cyber.rw.kigali", countries: ["rw", "ug"], seed: 1)
        var topics: [String] = []
        for step in 0..<4 {
            for notice in Self.published(gs.tick(atMillis: Self.now + Int64(step) * 60_000)) + Self.published(cyber.tick(atMillis: Self.now + Int64(step) * 300_000)) {
                #expect(Self.valid(notice, from: notice.topic.hasPrefix("alert.cyber") ? "cyber.rw.kigali" : "gs.fr.lyon"))
                topics.append(String(notice.topic.split(separator: ".").prefix(2).joined(separator: ".")))
            }
        }
        #expect(topics.filter { $0 == "notice.un-special" }.count == 2)
        #expect(topics.contains("alert.cbrne") && topics.contains("alert.pharma") && topics.filter { $0 == "alert.cyber" }.count == 4)
    }

    static func hit(on record: [String: Any], method: String, similarity: Int? = nil, strength: String? = nil, action: String = "detained",
                    id: Int) -> AgentDelivery {
        var match: [String: Any] = ["method": method]
        if let similarity { match["similarity_permille"] = similarity }
        if let strength { match["strength"] = strength }
        return BorderPostAgentTests.delivery(String(format: "0190f1d2-7c3a-7000-8000-0000000c%04d", id), "hit", "hit.rw.ke", [
            "kind": "hit", "matched": record, "checkpoint": "bcp.ke.busia", "observed_at": "2026-12-03T10:00:00Z",
            "action_taken": action, "match": match,
        ], from: "bcp.ke.busia")
    }

    @Test func aWeakBiometricMatchIsUnderReviewAndAsksForNothing() {
        var ncb = NCBAgent(node: "ncb.rw.kigali", country: "rw", partners: [], seed: 1)
        let weak = Self.published(ncb.receive(Self.hit(on: ["notice_message_id": "0190f1d2-7c3a-7000-8000-00000000c001"], method: "face", similarity: 350, id: 1),
                                              atMillis: Self.now))
        #expect(weak.map(\.kind) == ["hit-ack"] && Self.object(weak[0])["assessment"] as? String == "under-review")
        let strong = Self.published(ncb.receive(Self.hit(on: ["notice_message_id": "0190f1d2-7c3a-7000-8000-00000000c001"], method: "fingerprint", similarity: 880, id: 2),
                                                atMillis: Self.now))
        #expect(strong.map(\.kind) == ["hit-ack", "action-request"])
        let names = Self.published(ncb.receive(Self.hit(on: ["notice_message_id": "0190f1d2-7c3a-7000-8000-00000000c001"], method: "nominal",
                                                        strength: "name-only", action: "information-only", id: 3), atMillis: Self.now))
        #expect(names.map(\.kind) == ["hit-ack"])
        // Names with a date of birth on a Yellow Notice: the post only informs, the NCB confirms.
        let missing = Self.published(ncb.receive(Self.hit(on: ["notice_message_id": "0190f1d2-7c3a-7000-8000-00000000c001"], method: "nominal",
                                                          strength: "name-and-date-of-birth", action: "information-only", id: 4), atMillis: Self.now))
        #expect(missing.map(\.kind) == ["hit-ack", "action-request"])
        // The same hit delivered again (not receipted before a connection broke) is answered once.
        #expect(Self.published(ncb.receive(Self.hit(on: ["notice_message_id": "0190f1d2-7c3a-7000-8000-00000000c001"], method: "fingerprint",
                                                     similarity: 880, id: 2), atMillis: Self.now)).isEmpty)
    }

    @Test func eachRecordCallsForItsAction() throws {
        var ncb = NCBAgent(node: "ncb.rw.kigali", country: "rw", partners: ["ug"], seed: 1, publishEverySeconds: 1)
        // Its stolen-passport record and its arrest diffusion, as nexd accepted them.
        _ = ncb.tick(atMillis: Self.now)
        let sltd = try #require(Self.published(ncb.tick(atMillis: Self.now + 1_000)).first)
        _ = ncb.answered(sltd, messageID: "0190f1d2-7c3a-7000-8000-00000000d001", refusal: nil, atMillis: Self.now)
        let request = Self.published(ncb.receive(Self.hit(on: ["document_number": Self.object(sltd)["document_number"] as! String], method: "document",
                                                          action: "refused-entry", id: 5), atMillis: Self.now))
        #expect(request.count == 2 && Self.object(request[1])["action"] as? String == "seize-document")
        // A decision tells the NCB the kind of the notice published on its request.
        var requester = NCBAgent(node: "ncb.rw.kigali", country: "rw", partners: [], seed: 1, publishEverySeconds: 1)
        let red = try #require(Self.published(requester.tick(atMillis: Self.now)).first)
        _ = ncb.answered(red, messageID: "0190f1d2-7c3a-7000-8000-00000000d002", refusal: nil, atMillis: Self.now)
        _ = ncb.receive(BorderPostAgentTests.delivery("0190f1d2-7c3a-7000-8000-00000000d003", "decision", "decision.rw", [
            "kind": "decision", "request": "0190f1d2-7c3a-7000-8000-00000000d002", "outcome": "accepted",
            "notice_message_id": "0190f1d2-7c3a-7000-8000-00000000d004", "requested_by": "ncb.rw.kigali",
        ]), atMillis: Self.now)
        #expect(ncb.state.records["0190f1d2-7c3a-7000-8000-00000000d004"] == "red")
        #expect(NCBAgent.action(forRecordKind: "un-special") == "refuse-entry" && NCBAgent.action(forRecordKind: "diffusion-arrest") == "detain")
    }
}
