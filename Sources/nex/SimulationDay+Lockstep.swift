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

/// The checks in step with the day (D69): notices handed in with their minute, what the posts wait for, who is on duty.
extension SimulationDay {
    /// Hands `notice` to a lane as belonging to simulated `minute` (the ledger waits for its answer).
    func hand<Agent: NodeAgent>(_ runner: AgentRunner<Agent>?, _ notice: OutgoingNotice, minute: Double) {
        guard let runner else {
            // No lane to publish it (a country without an NCB on the roster): the case ends here.
            if notice.tag.hasPrefix("case:") {
                caseRecords.withLock { $0[String(notice.tag.dropFirst(5))] = (nil, "no lane publishes it (no NCB of its country on the roster)", WallClock.nowMillis()) }
            }
            return
        }
        var notice = notice
        notice.simulatedMinute = minute
        ledger.withLock { $0.handedIn(minute: minute) }
        runner.inject([.publish(notice)])
    }

    /// Each NCB's own publications (``Scenario/ncbPublishEveryMinutes``): the k-th at the day's
    /// start plus its country's share of one interval plus k intervals, so they do not all come at once.
    func ncbPublications(from start: Double, to end: Double) -> [(minute: Double, event: DayEvent)] {
        let every = scenario.ncbPublishEveryMinutes
        guard every > 0 else { return [] }
        let countries = cast.countries.filter { cast.ncbs[$0] != nil }
        return countries.enumerated().flatMap { index, country -> [(minute: Double, event: DayEvent)] in
            let first = start + every * Double(index + 1) / Double(countries.count)
            return stride(from: first, to: end, by: every).map { ($0, .ncbPublish(country)) }
        }
    }

    /// An NCB's next publication of its own, belonging to `minute`.
    func publishOwn(of country: String, minute: Double, atMillis now: Int64) {
        guard let runner = ncbs[country] else { return }
        for case .publish(let notice) in runner.withAgent({ $0.publishNext(atMillis: now) }) { hand(runner, notice, minute: minute) }
    }

    /// The simulated minute through which every post on duty has checked its travellers.
    func checkedThrough() -> Double {
        onDuty.compactMap { post in posts[post]?.withAgent { $0.simulated?.nextMinute } }.min() ?? .infinity
    }

    /// Posts whose lane ended on its own (refused by nexd, state not kept) go off duty.
    func retireEndedPosts() {
        let ended = endings.withLock { Set($0.keys) }
        for post in onDuty where ended.contains(post) { leaveDuty(post) }
    }

    /// Whether nexd has answered every hit of the posts on duty (given up after the ledger's
    /// patience: a lane that cannot reach nexd does not stop the day; noted as NOT reproducible).
    func hitsAnswered(atMillis now: Int64) -> Bool {
        let unanswered = onDuty.filter { (posts[$0]?.pendingCount ?? 0) > 0 }
        guard !unanswered.isEmpty else {
            hitsWaitingSince = nil
            return true
        }
        let since = hitsWaitingSince ?? now
        hitsWaitingSince = since
        guard now - since > ledger.withLock({ $0.patienceMillis }) else { return false }
        ledger.withLock { $0.noteLate("hits of \(unanswered.sorted().joined(separator: ", ")) not answered by nexd in time") }
        hitsWaitingSince = nil
        return true
    }

    /// What the day waits for, for the stall message.
    func stallReason() -> String {
        let state = ledger.withLock { ($0.unanswered.count, $0.reviews.count, $0.waiting.count) }
        let behind = onDuty.filter { post in posts[post]?.withAgent { $0.simulated?.hasDueTraveller ?? false } ?? false }
        return "\(state.0) notices unanswered, \(state.1) requests unreviewed, \(state.2) records on their way to posts, "
            + "\(pendingPlants.count) plants waiting, \(behind.count) posts still checking"
    }

    /// Takes `post` off duty (offline, revoked): its checks stop where they are; nothing is waited for it.
    func leaveDuty(_ post: String) {
        onDuty.remove(post)
        ledger.withLock { $0.postLeft(post) }
    }

    /// Whether everything of a minute before `minute` is answered and on the posts that should hold
    /// it. Asks each waiting post what it received (outside the ledger's lock: the lanes answer under it).
    func settle(before minute: Double, atMillis now: Int64) -> Bool {
        let waitingFor = ledger.withLock { ledger -> [String: [String]] in
            ledger.waiting.reduce(into: [:]) { byPost, item in for post in item.value { byPost[post, default: []].append(item.key) } }
        }
        for (post, ids) in waitingFor {
            // Asked in place: a copy of the post's map would be copied again at its next delivery.
            guard let received = posts[post]?.withAgent({ agent in Set(ids.filter { agent.deliveredAt[$0] != nil }) }), !received.isEmpty else { continue }
            ledger.withLock { $0.confirm(post: post, delivered: { received.contains($0) }) }
        }
        // What has not come after all this time is given up on (after asking: the driver may have been busy).
        return ledger.withLock { ledger in
            ledger.expire(atMillis: now)
            return ledger.isSettled(before: minute)
        }
    }

    func plant(_ item: Scenario.PlantedCase) {
        guard !item.isIntelligence, let post = item.post, let disguise = item.disguise else { return }
        guard let id = caseRecords.withLock({ $0[item.name]?.id }), let runner = posts[post] else {
            // Not accepted yet, or the post is offline: tried again on the next pass.
            if caseRecords.withLock({ $0[item.name]?.refusal }) == nil { pendingPlants.append(item) }
            return
        }
        _ = runner.withAgent { $0.plant(.init(recordID: id, disguise: disguise)) }
    }

    func retryPlants() {
        let due = pendingPlants
        pendingPlants = []
        for item in due { plant(item) }
    }
}
