import Foundation
import NexNotices
import Testing
@testable import NexAgents

/// The border post's checks and agent (issue 16 §3), without a network: the traveller stream,
/// each kind of check, hits bound to the matched record, the error counts, and a restart.
@Suite struct BorderPostAgentTests {
    static let now: Int64 = 1_796_000_000_000

    /// A record delivered to the post: `kind` on `topic` with `object` as its document.
    static func delivery(_ id: String, _ kind: String, _ topic: String, _ object: [String: Any], from sender: String = "gs.fr.lyon") -> AgentDelivery {
        AgentDelivery(messageID: id, kind: kind, topic: topic, sender: sender,
                      document: Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
    }

    static func redNotice(subject: [String: Any]) -> [String: Any] {
        ["kind": "red", "fictional": true, "subject": subject, "charges": ["Synthetic charge"],
         "warrant": ["issuing_country": "rw", "reference": "RW-T-1", "issued_on": "2026-01-02"], "requested_by": "ncb.rw.kigali"]
    }

    static func subject(modalities: [BiometricModel.Modality], seed: UInt64 = 7) -> [String: Any] {
        var generator = SeededGenerator(seed: seed)
        return SyntheticPeople.subject(nationality: "rw", modalities: modalities, using: &generator)
    }

    static func post(share: Double = 0, seed: UInt64 = 3) -> BorderPostAgent {
        BorderPostAgent(node: "bcp.ke.busia", country: "ke",
                        stream: TravellerStream(seed: seed, post: "bcp.ke.busia", country: "ke", otherCountries: ["ug"], watchlistedShare: share))
    }

    static func hits(in actions: [AgentAction]) -> [OutgoingNotice] {
        actions.compactMap { if case .publish(let notice) = $0, notice.kind == "hit" { notice } else { nil } }
    }

    @Test func aTransliteratedNameKeepsItsKeyAndMatches() {
        for family in SyntheticPeople.familyNames {
            let variant = NameVariant.variant(of: family.uppercased())
            #expect(NameKey(variant) == NameKey(family), "\(family) → \(variant)")
        }
        for forename in SyntheticPeople.maleForenames + SyntheticPeople.femaleForenames {
            #expect(NameKey(NameVariant.variant(of: forename)) == NameKey(forename), "\(forename)")
        }
        #expect(NameVariant.variant(of: "Mohamed") != "Mohamed")
    }

    @Test func theStreamRepeatsForASeedAndDiffersPerPost() {
        var a = TravellerStream(seed: 9, post: "bcp.ke.busia", country: "ke")
        var b = TravellerStream(seed: 9, post: "bcp.ke.busia", country: "ke")
        var c = TravellerStream(seed: 9, post: "bcp.ug.busia", country: "ug")
        let watchlist = Watchlist()
        let first = (0..<20).map { _ in a.next(watchlist: watchlist) }
        #expect(first == (0..<20).map { _ in b.next(watchlist: watchlist) })
        #expect(first.map(\.person) != (0..<20).map { _ in c.next(watchlist: watchlist).person })
    }

    @Test func aPlantedAliasIsCaughtByFaceOnlyAndTheHitIsBoundToTheNotice() throws {
        var post = Self.post()
        let id = "0190f1d2-7c3a-7000-8000-00000000b001"
        _ = post.receive(Self.delivery(id, "red", "notice.red.rw", Self.redNotice(subject: Self.subject(modalities: [.face]))), atMillis: Self.now)
        post.plant(.init(recordID: id, disguise: .alias))
        let actions = post.checkNextTraveller(atMillis: Self.now)
        let hit = try #require(Self.hits(in: actions).first)
        #expect(hit.topic == "hit.rw.ke")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(hit.document)) as? [String: Any])
        #expect((document["matched"] as? [String: Any])?["notice_message_id"] as? String == id)
        #expect((document["match"] as? [String: Any])?["method"] as? String == "face")
        #expect(document["action_taken"] as? String == "detained" && document["priority"] as? String == "urgent")
        // The hit is a valid hit document (nexd checks the rest: the record, its owner).
        #expect(NoticeValidator.validate(hit.document, as: .hit, sentBy: "bcp.ke.busia") == nil)
        #expect(post.state.counts.detected == 1 && post.state.outcomes.last?.disguise == .alias)
        // The alias shares neither name nor document with the notice: only the face matched.
        #expect(post.state.outcomes.last?.hits.map(\.method) == [.face])
    }

    @Test func aTransliteratedNameAndAStolenPassportAreCaught() throws {
        var post = Self.post()
        let red = "0190f1d2-7c3a-7000-8000-00000000b002"
        let sltd = "0190f1d2-7c3a-7000-8000-00000000b003"
        _ = post.receive(Self.delivery(red, "red", "notice.red.rw", Self.redNotice(subject: Self.subject(modalities: []))), atMillis: Self.now)
        _ = post.receive(Self.delivery(sltd, "sltd", "sltd.ug", [
            "kind": "sltd", "document_number": "B0042917", "document_type": "passport", "issuing_country": "ug", "status": "stolen",
            "reported_on": "2026-03-02", "reported_by": "ncb.ug.kampala",
            "holder": ["family_name": "OKELLO", "forenames": "Grace", "sex": "F", "date_of_birth": "1991-07-23"],
        ], from: "ncb.ug.kampala"), atMillis: Self.now)
        post.plant(.init(recordID: red, disguise: .transliterated))
        post.plant(.init(recordID: sltd, disguise: .stolenDocument))
        let nominal = Self.hits(in: post.checkNextTraveller(atMillis: Self.now))
        #expect(nominal.map(\.topic) == ["hit.rw.ke"])
        #expect(post.state.outcomes.last?.hits.map(\.method) == [.nominal])
        let document = Self.hits(in: post.checkNextTraveller(atMillis: Self.now))
        #expect(document.map(\.topic) == ["hit.ug.ke"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document[0].document)) as? [String: Any])
        #expect((object["matched"] as? [String: Any])?["document_number"] as? String == "B0042917")
        #expect(object["action_taken"] as? String == "refused-entry")
        #expect(post.state.counts.detected == 2 && post.state.counts.falseAlarms == 0)
    }

    /// The names a post keys once per record follow the record: an update that renames the subject
    /// and a cancellation change what a nominal check matches.
    @Test func theKeyedNamesFollowUpdatesAndCancellations() throws {
        var post = Self.post()
        let id = "0190f1d2-7c3a-7000-8000-00000000b005"
        var subject = Self.subject(modalities: [])
        _ = post.receive(Self.delivery(id, "red", "notice.red.rw", Self.redNotice(subject: subject)), atMillis: Self.now)
        let original = try #require(post.state.watchlist.entries[id]?.person)
        func nominalHits(_ person: WatchlistEntry.Person) -> [String] {
            let traveller = Traveller(index: 0, person: person, sex: "U", documentNumber: "X0000001", documentCountry: "ke",
                                      face: BiometricTemplate(normalizing: [1]), fingerprint: BiometricTemplate(normalizing: [1]), truth: .ordinary)
            return BorderCheck().run(traveller, against: post.state.watchlist, templates: post.checkCache).matches.filter { $0.method == .nominal }.map(\.recordID)
        }
        #expect(nominalHits(original) == [id])
        subject["family_name"] = "MUTESIWASHINGTON"
        let update: [String: Any] = ["kind": "update", "original": id, "reason": "other", "reason_text": "new identity", "version": 2,
                                     "document": Self.redNotice(subject: subject)]
        _ = post.receive(Self.delivery("u1", "update", "notice.red.rw", update), atMillis: Self.now)
        var renamed = original
        renamed.familyName = "MUTESIWASHINGTON"
        #expect(nominalHits(original).isEmpty && nominalHits(renamed) == [id])
        _ = post.receive(Self.delivery("c1", "cancel", "notice.red.rw", ["kind": "cancel", "original": id, "reason": "arrest"]), atMillis: Self.now)
        #expect(nominalHits(renamed).isEmpty && post.checkCache.names[id] == nil)
    }

    @Test func theLawfulHolderOfAStolenPassportIsNoHit() {
        var post = Self.post()
        _ = post.receive(Self.delivery("0190f1d2-7c3a-7000-8000-00000000b004", "sltd", "sltd.ke", [
            "kind": "sltd", "document_number": "KE1234567", "document_type": "passport", "issuing_country": "ke", "status": "lost",
            "reported_on": "2026-03-02", "reported_by": "ncb.ke.nairobi",
            "holder": ["family_name": "OTIENO", "forenames": "Faith", "sex": "F", "date_of_birth": "1990-01-01"],
        ]), atMillis: Self.now)
        let holder = WatchlistEntry.Person(familyName: "OTIENO", forenames: "Faith", dateOfBirth: "1990-01-01")
        let traveller = Traveller(index: 0, person: holder, sex: "F", documentNumber: "KE7654321", documentCountry: "ke",
                                  face: BiometricTemplate(normalizing: [1]), fingerprint: BiometricTemplate(normalizing: [1]), truth: .ordinary)
        #expect(BorderCheck().run(traveller, against: post.state.watchlist, templates: TemplateCache(post.state.watchlist)).matches.isEmpty)
    }

    /// Many travellers against a watchlist of 40 persons with both templates: the post's counted
    /// error rates are those of the model at the default thresholds (docs/BIOMETRICS.md: face FNMR
    /// 1.38 %, FMR 1.10e-4; fingerprint FNMR 2.04 %, FMR 1.23e-4), neither zero.
    @Test func theCountedErrorRatesAreTheModels() {
        var post = Self.post(share: 0.5)
        for index in 0..<40 {
            let id = String(format: "0190f1d2-7c3a-7000-8000-%012d", 100 + index)
            _ = post.receive(Self.delivery(id, "red", "notice.red.rw", Self.redNotice(subject: Self.subject(modalities: [.face, .fingerprint], seed: UInt64(100 + index)))),
                             atMillis: Self.now)
        }
        for _ in 0..<4_000 { _ = post.checkNextTraveller(atMillis: Self.now) }
        let tally = post.state.tally
        #expect(tally.face.genuine > 1_800 && tally.face.impostor > 150_000)
        #expect((0.005...0.03).contains(tally.face.falseNonMatchRate), "face FNMR \(tally.face.falseNonMatchRate)")
        #expect((0.008...0.04).contains(tally.fingerprint.falseNonMatchRate), "fingerprint FNMR \(tally.fingerprint.falseNonMatchRate)")
        #expect(tally.face.falseMatchRate < 1e-3 && tally.fingerprint.falseMatchRate < 1e-3)
        // Every false non-match of both modalities on a true-name traveller is still caught by name.
        #expect(post.state.counts.detected + post.state.counts.missed == post.state.counts.watchlisted)
        #expect(post.summary.count == 4)
    }

    @Test func aRestartedPostCarriesOnWhereItStopped() throws {
        var post = Self.post(share: 0.2)
        let id = "0190f1d2-7c3a-7000-8000-00000000b005"
        _ = post.receive(Self.delivery(id, "red", "notice.red.rw", Self.redNotice(subject: Self.subject(modalities: [.face]))), atMillis: Self.now)
        for _ in 0..<10 { _ = post.checkNextTraveller(atMillis: Self.now) }
        let saved = try #require(try post.encodedState())
        var restarted = BorderPostAgent(node: "bcp.ke.busia", country: "ke",
                                        stream: TravellerStream(seed: 3, post: "bcp.ke.busia", country: "ke", otherCountries: ["ug"], watchlistedShare: 0.2),
                                        state: try BorderPostAgent.state(decoding: saved))
        #expect(restarted.state == post.state)
        // The same next traveller, checked against the same watchlist (templates rebuilt).
        #expect(restarted.checkNextTraveller(atMillis: Self.now) == post.checkNextTraveller(atMillis: Self.now))
        // A cancellation delivered after the restart takes the record off.
        _ = restarted.receive(Self.delivery("c1", "cancel", "notice.red.rw", ["kind": "cancel", "original": id, "reason": "arrest"]), atMillis: Self.now)
        #expect(restarted.state.watchlist.entries.isEmpty)
    }

    @Test func travellersComeAtTheConfiguredRate() {
        var post = Self.post()
        #expect(post.nextDueMillis == 0)
        _ = post.tick(atMillis: Self.now)
        #expect(post.state.counts.travellers == 1)
        _ = post.tick(atMillis: Self.now + 1_999)
        #expect(post.state.counts.travellers == 1)
        _ = post.tick(atMillis: Self.now + 2_000)
        #expect(post.state.counts.travellers == 2)
        // A post that was stopped for an hour does not check the travellers it missed at once.
        _ = post.tick(atMillis: Self.now + 3_600_000)
        #expect(post.state.counts.travellers <= 1_002)
    }
}

extension BorderPostAgentTests {
    /// The end-to-end test plants the first traveller of stream seed 5 at Busia against a face-only
    /// notice: their capture must match by a clear margin whatever the notice's template (the
    /// planted capture does not depend on when it comes).
    @Test func thePlantedCaptureDoesNotDependOnWhenItComes() throws {
        let id = "0190f1d2-7c3a-7000-8000-00000000b006"
        let notice = Self.delivery(id, "red", "notice.red.rw", Self.redNotice(subject: Self.subject(modalities: [.face], seed: 11)))
        var early = Self.post(seed: 5)
        var late = Self.post(seed: 5)
        _ = early.receive(notice, atMillis: Self.now)
        _ = late.receive(notice, atMillis: Self.now)
        // Seven ordinary travellers cross at the late post before the plant.
        for _ in 0..<7 { _ = late.checkNextTraveller(atMillis: Self.now) }
        for post in [0, 1] {
            if post == 0 { early.plant(.init(recordID: id, disguise: .alias)) } else { late.plant(.init(recordID: id, disguise: .alias)) }
        }
        _ = early.checkNextTraveller(atMillis: Self.now)
        _ = late.checkNextTraveller(atMillis: Self.now)
        let a = try #require(early.state.outcomes.first { $0.truth == id }?.hits.first)
        let b = try #require(late.state.outcomes.first { $0.truth == id }?.hits.first)
        #expect(a == b && a.method == .face && (a.similarity ?? 0) > BiometricModel.face.defaultThreshold + 0.2, "\(a)")
    }

    @Test func aPlantIsAskedOnceAndMayNameAKind() {
        var post = Self.post()
        let first = post.plant(.init(recordID: "red", disguise: .transliterated))
        let again = post.plant(.init(recordID: "red", disguise: .transliterated))
        #expect(first && !again)
        let saved = try! post.encodedState()!
        var restarted = BorderPostAgent(node: "bcp.ke.busia", country: "ke", stream: post.state.stream, state: try! BorderPostAgent.state(decoding: saved))
        // The same command run again after a restart plants nothing more.
        let afterRestart = restarted.plant(.init(recordID: "red", disguise: .transliterated))
        #expect(!afterRestart)
        let id = "0190f1d2-7c3a-7000-8000-00000000b007"
        _ = restarted.receive(Self.delivery(id, "red", "notice.red.rw", Self.redNotice(subject: Self.subject(modalities: []))), atMillis: Self.now)
        _ = restarted.checkNextTraveller(atMillis: Self.now)
        #expect(restarted.state.outcomes.last?.truth == id && restarted.state.outcomes.last?.disguise == .transliterated)
        _ = restarted.checkNextTraveller(atMillis: Self.now)
        #expect(restarted.state.counts.watchlisted == 1)
    }

    @Test func aPostStoppedForAnHourResumesNow() {
        var post = Self.post()
        _ = post.tick(atMillis: Self.now)
        _ = post.tick(atMillis: Self.now + 3_600_000)
        #expect(post.state.counts.travellers == 2)
        #expect(post.nextDueMillis == Self.now + 3_600_000 + 2_000)
    }

    @Test func whatThePostDoesFollowsTheRecord() {
        func action(_ kind: String, purpose: String? = nil, method: CheckMatch.Method = .face, strength: NominalMatcher.Strength? = nil) -> String {
            var entry = WatchlistEntry(id: "x", kind: kind, topic: "notice.\(kind).rw", version: 1)
            entry.purpose = purpose
            return BorderPostAgent.action(for: entry, after: CheckMatch(recordID: "x", method: method, similarity: nil, strength: strength))
        }
        #expect(action("red") == "detained" && action("un-special") == "refused-entry" && action("sltd", method: .document) == "refused-entry")
        #expect(action("diffusion", purpose: "arrest") == "detained" && action("diffusion", purpose: "locate") == "information-only")
        #expect(action("yellow") == "information-only" && action("green") == "allowed-monitored")
        #expect(action("red", method: .nominal, strength: .nameOnly) == "information-only")
    }
}
