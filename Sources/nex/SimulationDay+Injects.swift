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

/// What happens to the exchange during a training day: a post offline and back, a record cancelled, nexd restarted, a certificate revoked.
extension SimulationDay {
    // MARK: - Injects

    /// Something the day does at a simulated minute (in step with the posts' checks, D69).
    enum DayEvent {
        /// A planted case's record is published.
        case publish(Scenario.PlantedCase)
        /// Its subject (or document) is queued to cross; an intelligence case is judged.
        case plant(Scenario.PlantedCase)
        /// An inject acts on the exchange.
        case inject(Scenario.Inject)
        /// A post taken offline comes back.
        case back(Scenario.Inject)
        /// An NCB's own next publication (a request, a document record, a diffusion).
        case ncbPublish(String)

        /// Within one minute: records first, then injects, then plants.
        var order: Int {
            switch self {
            case .publish, .ncbPublish: 0
            case .inject, .back: 1
            case .plant: 2
            }
        }
    }

    func apply(_ inject: Scenario.Inject, minute: Double, nexdConfig: String, directory: String) throws {
        switch inject.kind {
        case .offline:
            guard let post = inject.post, let runner = posts[post], let lane = lanes[post] else { return }
            lane.stop()
            lane.done.wait()
            leaveDuty(post)
            lanes[post] = nil
            posts[post] = nil
            offline[post] = (runner.withAgent { $0 }, Double(Scenario.minutes(inject.at)!) + (inject.minutes ?? 0))
            injectLines.append("\(inject.at) \(post) went offline for \(Int(inject.minutes ?? 0)) min")
        case .cancel:
            guard let name = inject.case, let item = scenario.cases.first(where: { $0.name == name }),
                  let id = caseRecords.withLock({ $0[name]?.id }) else {
                injectLines.append("\(inject.at) cancel of \(inject.case ?? "?"): its record was not accepted; nothing to cancel")
                return
            }
            let topic = item.record == "sltd" ? "sltd.\(item.country)" : "notice.\(item.record).\(item.country)"
            var cancel = OutgoingNotice(topic: topic, kind: "cancel", object: ["kind": "cancel", "fictional": true, "original": id, "reason": "arrest"],
                                        tag: "cancel:" + name)
            cancel.simulatedMinute = minute
            ledger.withLock { $0.handedIn(minute: minute) }
            if item.record == "sltd" { ncbs[item.country]?.inject([.publish(cancel)]) } else { gs?.inject([.publish(cancel)]) }
            injectLines.append("\(inject.at) the record of \(name) (\(id)) cancelled")
        case .restart where nexd == nil, .revoke where nexd == nil:
            injectLines.append("\(inject.at) \(inject.kind.rawValue) skipped: it acts on nexd, and with --server this run does not own it")
        case .restart:
            let started = Date()
            nexdCPUBefore += (nexd.flatMap { ProcessStats.cpuSeconds(pid: $0.pid) } ?? 0) - nexdCPUAtStart
            nexdCPUAtStart = 0
            nexd?.stop()
            nexd = try SpawnedDaemon(configPath: nexdConfig, logPath: directory + "/nexd-restarted.log")
            injectLines.append("\(inject.at) nexd restarted (\(String(format: "%.1f", Date().timeIntervalSince(started))) s real)")
        case .revoke:
            guard let post = inject.post, let pki else { return }
            // Its checks end here: the travellers before this minute were checked, no later ones.
            leaveDuty(post)
            revoked.insert(post)
            _ = try pki.revoke(nodeID: post)
            if let nexd { kill(nexd.pid, SIGHUP) }
            injectLines.append("\(inject.at) \(post)'s certificate revoked; nexd reloaded")
        }
    }

    func bringBack(_ inject: Scenario.Inject, minute: Double) throws {
        guard let post = inject.post, let away = offline.removeValue(forKey: post), let pki else { return }
        let cancelled = scenario.cases.filter { item in
            (scenario.injects ?? []).contains { $0.kind == .cancel && $0.case == item.name }
        }.compactMap { item in caseRecords.withLock { $0[item.name]?.id }.map { (item.name, $0) } }
        let heldBefore = Set(away.agent.state.watchlist.entries.keys)
        waitingAtAttach.withLock { $0[post] = nil }
        var agent = away.agent
        // Travellers from its return on; none checked until it holds what its inboxes kept for it.
        if let next = agent.simulated?.nextMinute, next < minute { agent.simulated?.nextMinute = minute }
        agent.simulated?.checksAllowedBefore = minute
        let delivered = agent.deliveredAt
        let country = cast.posts.first { $0.id == post }?.country ?? ""
        if !revoked.contains(post) {
            ledger.withLock { $0.postReturned(post, country: country, atMillis: WallClock.nowMillis(), delivered: { delivered[$0] != nil }) }
            onDuty.insert(post)
        }
        posts[post] = try lane(agent, pki: pki, port: port)
        guard !revoked.contains(post) else {
            injectLines.append("\(SimulatedClock.text(away.back)) \(post) back, but its certificate was revoked while it was away: off duty")
            return
        }
        // What it caught up on: the inboxes' waiting count at its attach, and the cancellations applied
        // (waited for, up to 5 s real, so the line says what happened, not what had happened yet).
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, waitingAtAttach.withLock({ $0[post] }) == nil { Thread.sleep(forTimeInterval: 0.02) }
        let toDrop = Set(cancelled.map(\.1)).intersection(heldBefore)
        var heldAfter = Set(posts[post]?.withAgent { $0.state.watchlist.entries.keys.map { $0 } } ?? [])
        while Date() < deadline, !toDrop.isDisjoint(with: heldAfter) {
            Thread.sleep(forTimeInterval: 0.02)
            heldAfter = Set(posts[post]?.withAgent { $0.state.watchlist.entries.keys.map { $0 } } ?? [])
        }
        let applied = cancelled.filter { heldBefore.contains($0.1) && !heldAfter.contains($0.1) }.map(\.0)
        injectLines.append("\(SimulatedClock.text(away.back)) \(post) back: caught up on \(waitingAtAttach.withLock { $0[post] } ?? 0) deliveries waiting in its inboxes"
            + (applied.isEmpty ? "" : "; the cancellation of \(applied.joined(separator: ", ")) applied (off its watchlist)"))
    }
}
