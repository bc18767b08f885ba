import Foundation
import NexAgentRunner
import NexAgents
import NexAudit
import NexClient
import NexConfig
import NexCrypto
import NexLoad
import NexNotices
import NexPKI
import NexSync

/// The planted cases of a training day: their records, their verdicts, the day's latencies and progress.
extension SimulationDay {
    // MARK: - Cases

    func publishRecord(of item: Scenario.PlantedCase, minute: Double, atMillis now: Int64) {
        var generator = SeededGenerator(seed: TravellerStream.seed(seed, post: "case:" + item.name, index: 0))
        let requester = cast.ncbs[item.country] ?? "ncb.\(item.country)"
        let date = AgentClock.date(millis: now)
        let tag = "case:" + item.name
        switch item.record {
        case "cbrne-alert":
            hand(gs, OutgoingNotice(topic: "alert.cbrne.\(Self.region(of: item.country))", kind: "orange", object: [
                "kind": "orange", "fictional": true, "threat_category": "chemical",
                "description": "Planted case \(item.name): drums of a toxic industrial chemical stolen near the border; watch cargo (synthetic)",
                "valid_until": AgentClock.date(millis: now + 30 * 86_400_000), "affected_countries": [item.country],
            ], tag: tag), minute: minute)
        case "purple":
            hand(gs, OutgoingNotice(topic: "notice.purple.\(item.country)", kind: "purple", object: [
                "kind": "purple", "fictional": true, "crime_area": "counterfeit-pharmaceuticals",
                "modus_operandi": "Planted case \(item.name): counterfeit antimalarials seized in a lorry, copied batch numbers (synthetic)",
                "countries_seen": [item.country], "requested_by": requester,
            ], tag: tag), minute: minute)
        case "sltd":
            let (holder, sex) = SyntheticPeople.person(nationality: item.country, using: &generator)
            hand(ncbs[item.country], OutgoingNotice(topic: "sltd.\(item.country)", kind: "sltd", object: [
                "kind": "sltd", "fictional": true, "document_number": SyntheticPeople.documentNumber(using: &generator), "document_type": "passport",
                "issuing_country": item.country, "status": "stolen", "reported_on": date, "reported_by": requester,
                "holder": ["family_name": holder.familyName, "forenames": holder.forenames, "sex": sex, "date_of_birth": holder.dateOfBirth!],
            ], tag: tag), minute: minute)
        case "un-special":
            hand(gs, OutgoingNotice(topic: "notice.un-special.\(item.country)", kind: "un-special", object: [
                "kind": "un-special", "fictional": true, "sanctions_regime": "1267", "un_reference": "QDi.CASE-\(item.name)",
                "measures": ["assets-freeze", "travel-ban", "arms-embargo"],
                "subject": SyntheticPeople.subject(nationality: item.country, modalities: item.biometrics ?? [], using: &generator),
            ], tag: tag), minute: minute)
        default:
            hand(gs, OutgoingNotice(topic: "notice.red.\(item.country)", kind: "red", object: [
                "kind": "red", "fictional": true,
                "subject": SyntheticPeople.subject(nationality: item.country, modalities: item.biometrics ?? [], using: &generator),
                "charges": ["Planted case \(item.name) (synthetic)"],
                "warrant": ["issuing_country": item.country, "reference": "CASE-\(item.name)", "issued_on": date], "requested_by": requester,
            ], tag: tag), minute: minute)
        }
    }


    /// The alert region of a country (docs/REGION.md's bureaus, roughly).
    static func region(of country: String) -> String {
        switch country {
        case "ke", "ug", "tz", "rw", "bi", "et", "so", "dj", "er", "ss", "sd", "sc", "km", "mg", "mu": "east-africa"
        case "za", "zw", "zm", "mw", "mz", "bw", "na", "ls", "sz", "ao": "southern-africa"
        case "cm", "cf", "td", "cg", "cd", "ga", "gq", "st": "central-africa"
        case "eg", "ly", "tn", "dz", "ma": "north-africa"
        default: "west-africa"
        }
    }

    /// Judges an intelligence case at its `at`, when the posts' checks reach it: by then every
    /// record of an earlier minute, the alert included, is where it should be (SimulationLedger).
    func judgeIntelligence(_ item: Scenario.PlantedCase) {
        intelligenceSnapshots[item.name] = outcome(of: item)
    }

    /// An alert or a notice without a person: caught when every post still in the day holds it by `at`.
    func intelligenceOutcome(of item: Scenario.PlantedCase, id: String) -> SimulationReport.CaseOutcome {
        if let snapshot = intelligenceSnapshots[item.name] { return snapshot }
        // The revoked posts, as the run revoked them (not as their lanes ended: that comes later, on another thread).
        let expected = cast.posts.map(\.id).filter { !revoked.contains($0) }
        let holders = expected.filter { post in
            posts[post]?.withAgent { $0.state.intelligence.contains(id) } ?? offline[post]?.agent.state.intelligence.contains(id) ?? false
        }
        let reached = holders.count == expected.count && !expected.isEmpty
        return .init(name: item.name, detected: reached, final: reached,
                     reason: "\(item.record) \(id) reached \(holders.count) of \(expected.count) border posts by \(item.at)"
                        + (reached ? "" : " (" + expected.filter { !holders.contains($0) }.prefix(3).joined(separator: ", ") + " not yet)"))
    }

    func outcome(of item: Scenario.PlantedCase) -> SimulationReport.CaseOutcome {
        var outcome = judge(item)
        outcome.recordID = caseRecords.withLock { $0[item.name]?.id }
        return outcome
    }

    func judge(_ item: Scenario.PlantedCase) -> SimulationReport.CaseOutcome {
        let record = caseRecords.withLock { $0[item.name] }
        guard let id = record?.id else {
            return .init(name: item.name, detected: false, final: record != nil,
                         reason: record?.refusal.map { "the record was refused: \($0)" } ?? "the record was not accepted by \(item.at)")
        }
        if item.isIntelligence { return intelligenceOutcome(of: item, id: id) }
        guard let post = item.post else { return .init(name: item.name, detected: false, final: true, reason: "no post") }
        let state = posts[post]?.withAgent { $0.state } ?? offline[post]?.agent.state
        guard let crossed = state?.plantedOutcomes.first(where: { $0.truth == id }) ?? state?.outcomes.first(where: { $0.truth == id }) else {
            let held = state?.watchlist.entries[id] != nil
            return .init(name: item.name, detected: false, final: false,
                         reason: held ? "the subject had not crossed by the end of the day" : "the record never reached \(post)'s watchlist")
        }
        guard let hit = crossed.hits.first(where: { $0.recordID == id }) else {
            return .init(name: item.name, detected: false, final: true,
                         reason: "no check matched at \(post) (\(item.disguise?.rawValue ?? "?")\(item.biometrics.map { ", templates: \($0.map(\.rawValue).joined(separator: "+"))" } ?? ", no templates"))")
        }
        guard let hitID = hit.messageID else {
            return .init(name: item.name, detected: false, final: hit.refusal != nil, method: hit.method.rawValue,
                         reason: hit.refusal.map { "the hit was refused: \($0)" } ?? "the hit was not answered yet")
        }
        let received = ncbs[item.country]?.withAgent { ncb in
            ncb.state.answeredHits.firstIndex(of: hitID).map { ncb.state.answeredHitTimes.indices.contains($0) ? ncb.state.answeredHitTimes[$0] : 0 }
        } ?? nil
        let owner = received != nil
        let checkToOwner = received.flatMap { at in crossed.checkedAtMillis.map { at - $0 } }
        let watchlist = watchlistLatencies(of: id, acceptedAt: record?.acceptedAt ?? 0)
        var outcome = SimulationReport.CaseOutcome(
            name: item.name, detected: owner, final: owner, method: hit.method.rawValue, observedAt: crossed.observedAt,
            reason: owner ? "hit \(hitID) by \(hit.method.rawValue) reached \(cast.ncbs[item.country] ?? item.country)"
                          : "the hit was accepted but \(cast.ncbs[item.country] ?? item.country) had not received it")
        outcome.checkToOwnerMillis = checkToOwner
        outcome.hitID = hitID
        outcome.watchlistMillis = watchlist
        return outcome
    }

    /// The day's latencies: every hit the posts remember (their latest ``BorderPostAgent/outcomesKept``
    /// checks) from its check to the owner NCB's receipt; every record for the posts (notices,
    /// documents, alerts, cancellations) from its acceptance to each post's receipt of it — an offline
    /// post's when it came back. Each at the simulated minute it began.
    func dayLatencies(clock: SimulatedClock) -> ([SimulationReport.LatencySample], [SimulationReport.LatencySample]) {
        var received: [String: Int64] = [:]
        for runner in ncbs.values {
            runner.withAgent { ncb in
                for (id, at) in zip(ncb.state.answeredHits, ncb.state.answeredHitTimes) { received[id] = at }
            }
        }
        let states = posts.values.map { $0.withAgent { $0.state } } + offline.values.map(\.agent.state)
        var seen = Set<String>()
        var checks: [SimulationReport.LatencySample] = []
        for state in states {
            for outcome in state.outcomes + state.plantedOutcomes {
                guard let checked = outcome.checkedAtMillis else { continue }
                for hit in outcome.hits {
                    guard let id = hit.messageID, let at = received[id], seen.insert(id).inserted else { continue }
                    checks.append(.init(minute: clock.minute(atRealMillis: checked), millis: max(0, at - checked)))
                }
            }
        }
        let records = ledger.withLock { $0.records }
        let deliveries = posts.values.map { $0.withAgent { $0.deliveredAt } } + offline.values.map(\.agent.deliveredAt)
        var watchlists: [SimulationReport.LatencySample] = []
        for delivered in deliveries {
            for record in records {
                guard let at = delivered[record.id] else { continue }
                watchlists.append(.init(minute: clock.minute(atRealMillis: record.acceptedAtMillis), millis: max(0, at - record.acceptedAtMillis)))
            }
        }
        return (checks, watchlists)
    }

    /// Per post holding record `id`: real milliseconds from its acceptance to the post's watchlist.
    func watchlistLatencies(of id: String, acceptedAt: Int64) -> [Int64] {
        let held = posts.values.compactMap { $0.withAgent { $0.state.watchlist.entries[id]?.heldSinceMillis } }
            + offline.values.compactMap { $0.agent.state.watchlist.entries[id]?.heldSinceMillis }
        return held.map { max(0, $0 - acceptedAt) }.sorted()
    }

    func progress(minute: Double, realSeconds: Double) -> String {
        let states = posts.values.map { $0.withAgent { $0.state.counts } } + offline.values.map(\.agent.state.counts)
        let detected = scenario.cases.filter { outcome(of: $0).detected }.count
        return "sim \(SimulatedClock.text(minute)) · real \(Int(realSeconds)) s · \(states.reduce(0) { $0 + $1.travellers }) travellers · "
            + "\(states.reduce(0) { $0 + $1.hitsReported }) hits · cases \(detected)/\(scenario.cases.count) detected   "
    }
}
