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

/// One run of a scenario: a nexd of its own, the lanes, the simulated clock, the planted cases.
final class SimulationDay: @unchecked Sendable {
    let scenario: Scenario
    let cast: SimulationCast
    let speed: Double
    let seed: UInt64
    let configPath: String

    private var gs: AgentRunner<GeneralSecretariatAgent>?
    private var ncbs: [String: AgentRunner<NCBAgent>] = [:]
    private var posts: [String: AgentRunner<BorderPostAgent>] = [:]
    /// Posts taken offline by an inject: their agent, until they come back.
    private var offline: [String: (agent: BorderPostAgent, back: Double)] = [:]
    /// Each lane's stop, and a semaphore its thread signals when run() returns.
    private var lanes: [String: (stop: @Sendable () -> Void, done: DispatchSemaphore)] = [:]
    /// How each lane's run ended (a revoked post: refused).
    private let endings = Locked<[String: String]>([:])
    /// Per node, the deliveries waiting in its inboxes at its latest attach.
    private let waitingAtAttach = Locked<[String: Int]>([:])
    private var injectLines: [String] = []
    private var nexd: SpawnedDaemon?
    private var pki: DevelopmentPKI?
    private var port: UInt16 = 0
    /// The longest the checks fell behind the simulated clock (real ms).
    private var maxLagMillis: Int64 = 0
    /// What the posts' checks wait for (records on their way); shared with the lanes' answers.
    private let ledger: Locked<SimulationLedger>
    /// The posts on duty: attached or reconnecting, not offline, not revoked.
    private var onDuty: Set<String> = []
    private var nexdCPUAtStart: Double = 0
    private var nexdCPUBefore: Double = 0
    /// Case name → (record id, refusal), from nexd's answers to the lanes.
    private let caseRecords = Locked<[String: (id: String?, refusal: String?, acceptedAt: Int64)]>([:])

    /// Where the day's nexd directory stays (nil: a temporary one, removed at the end).
    let keep: String?

    /// Where to write the day's SVG (nil: none).
    let plot: String?
    /// A nexd already running (`--server`), and the PKI holding the lanes' credentials; nil: --spawn.
    let server: (host: String, port: UInt16, pki: String)?
    private var host = "127.0.0.1"

    init(scenario: Scenario, cast: SimulationCast, speed: Double, seed: UInt64, configPath: String, keep: String? = nil, plot: String? = nil,
         server: (host: String, port: UInt16, pki: String)? = nil) throws {
        self.keep = keep
        self.plot = plot
        self.server = server
        self.scenario = scenario
        self.cast = cast
        self.speed = speed
        self.seed = seed
        self.configPath = configPath
        ledger = Locked(SimulationLedger(posts: Dictionary(uniqueKeysWithValues: cast.posts.map { ($0.id, $0.country) }),
                                         startMinute: Double(Scenario.minutes(scenario.day.start)!)))
    }

    func run() throws -> SimulationReport {
        let directory = keep.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("nex-simulate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let port: UInt16
        let nexdConfig: String
        let pki: DevelopmentPKI
        if let server {
            // A nexd already running: the lanes use the PKI given; injects on nexd are skipped.
            port = server.port
            host = server.host
            nexdConfig = ""
            pki = DevelopmentPKI(directory: server.pki)
            FileHandle.standardError.write(Data("using nexd at \(server.host):\(server.port) (credentials from \(server.pki)) …\n".utf8))
        } else {
            port = try Self.freePort()
            nexdConfig = try Self.writeConfig(from: configPath, into: directory, port: port)
            FileHandle.standardError.write(Data("starting nexd (its own PKI for the roster, audit log in \(directory)) …\n".utf8))
            nexd = try SpawnedDaemon(configPath: nexdConfig, logPath: directory + "/nexd.log")
            pki = DevelopmentPKI(directory: directory + "/pki")
        }
        defer { self.nexd?.stop() }
        self.pki = pki
        self.port = port
        try startLanes(pki: pki, port: port)
        // The day starts once every lane is attached (their inboxes exist from the first record on).
        let realStart = WallClock.nowMillis()
        let startMinute = Scenario.minutes(scenario.day.start)!
        let endMinute = Scenario.minutes(scenario.day.end)!
        let clock = SimulatedClock(realStartMillis: realStart, startMinute: startMinute, speed: speed)
        FileHandle.standardError.write(Data("\(cast.nodeCount) lanes: \(cast.countries.count) countries, \(cast.posts.count) border posts; day \(scenario.day.start)–\(scenario.day.end) at ×\(Int(speed))\n".utf8))

        var events: [(minute: Double, event: DayEvent)] = scenario.cases.flatMap { item -> [(minute: Double, event: DayEvent)] in
            [(Double(Scenario.minutes(item.published)!), .publish(item)), (Double(Scenario.minutes(item.at)!), .plant(item))]
        } + (scenario.injects ?? []).flatMap { inject -> [(minute: Double, event: DayEvent)] in
            let at = Double(Scenario.minutes(inject.at)!)
            guard inject.kind == .offline else { return [(at, .inject(inject))] }
            return [(at, .inject(inject)), (at + (inject.minutes ?? 0), .back(inject))]
        } + ncbPublications(from: Double(startMinute), to: Double(endMinute))
        events.sort { ($0.minute, $0.event.order) < ($1.minute, $1.event.order) }
        var lastProgress: Int64 = 0
        let end = Double(endMinute)
        let ownCPUAtStart = ProcessStats.ownCPUSeconds()
        nexdCPUAtStart = nexd.flatMap { ProcessStats.cpuSeconds(pid: $0.pid) } ?? 0
        while true {
            let now = WallClock.nowMillis()
            let minute = clock.minute(atRealMillis: now)
            // An event fires once every post on duty has checked the travellers before its minute.
            while let next = events.first, next.minute <= minute, checkedThrough() >= next.minute {
                events.removeFirst()
                switch next.event {
                case .publish(let item): publishRecord(of: item, minute: next.minute, atMillis: now)
                case .plant(let item) where item.isIntelligence: judgeIntelligence(item)
                case .plant(let item): plant(item)
                case .inject(let inject): try apply(inject, minute: next.minute, nexdConfig: nexdConfig, directory: directory)
                case .back(let inject): try bringBack(inject, minute: next.minute)
                case .ncbPublish(let country): publishOwn(of: country, minute: next.minute, atMillis: now)
                }
            }
            // The posts check the travellers up to the next event once every record of an earlier
            // minute is where it should be (SimulationLedger) and every plant due is queued.
            let target = min(minute, events.first?.minute ?? end, end)
            if settle(before: target, atMillis: now) {
                retryPlants()
                if !pendingPlants.contains(where: { onDuty.contains($0.post ?? "") }) {
                    for post in onDuty {
                        posts[post]?.withAgent { agent in
                            if let before = agent.simulated?.checkBefore, before < target { agent.simulated?.checkBefore = target }
                        }
                    }
                }
            } else {
                retryPlants()
            }
            // Real time: how far the checks are behind the simulated clock.
            let through = checkedThrough()
            let clockMinute = min(minute, end)
            if through < clockMinute { maxLagMillis = max(maxLagMillis, Int64((clockMinute - through) * 60_000 / speed)) }
            if now - lastProgress >= 1_000 {
                lastProgress = now
                FileHandle.standardError.write(Data("\r\(progress(minute: minute, realSeconds: Double(now - realStart) / 1000))".utf8))
            }
            if minute >= end, events.isEmpty, through >= end { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        // The last hits reach their owners.
        let grace = WallClock.nowMillis() + 10_000
        while WallClock.nowMillis() < grace, !scenario.cases.allSatisfy({ outcome(of: $0).detected || outcome(of: $0).final }) {
            Thread.sleep(forTimeInterval: 0.1)
        }
        FileHandle.standardError.write(Data("\r\(progress(minute: Double(endMinute), realSeconds: Double(WallClock.nowMillis() - realStart) / 1000))\n".utf8))
        var report = SimulationReport(scenario: scenario, cast: cast, speed: speed, seed: seed,
                                      realSeconds: Double(WallClock.nowMillis() - realStart) / 1000,
                                      cases: scenario.cases.map { outcome(of: $0) },
                                      posts: posts.values.map { $0.withAgent { $0.state } } + offline.values.map(\.agent.state))
        report.injects = injectLines + endings.withLock { $0 }.sorted { $0.key < $1.key }.map { "\($0.key) stopped: \($0.value)" }
        let realSeconds = Double(WallClock.nowMillis() - realStart) / 1000
        let nexdCPU = nexdCPUBefore + ((self.nexd.flatMap { ProcessStats.cpuSeconds(pid: $0.pid) } ?? 0) - nexdCPUAtStart)
        report.lateDeliveries = ledger.withLock { $0.lateDeliveries }
        (report.checkToOwner, report.publicationToPost) = dayLatencies(clock: clock)
        report.realTime = (maxLagMillis, nexdCPU / realSeconds * 100, (ProcessStats.ownCPUSeconds() - ownCPUAtStart) / realSeconds * 100)
        for lane in lanes.values { lane.stop() }
        for lane in lanes.values { lane.done.wait() }
        // The day's audit log, verified as `nex audit verify` does, against the day's CA and audit key.
        self.nexd?.stop()
        if server == nil {
            report.audit = try Self.verifyAudit(directory: directory + "/audit", pki: pki)
            // Each case's chain of custody, as `nex audit trace` tells it (the index beside the log).
            for index in report.cases.indices {
                guard let id = report.cases[index].tracedID,
                      let trace = try AuditTraceCommand.render(messageID: id, directory: directory + "/audit", indexDirectory: directory + "/index")
                else { continue }
                report.cases[index].trace = SimulationReport.condensed(trace)
            }
        } else {
            report.audit = (false, "not verified here: with --server run `nex audit verify` where nexd keeps its log")
            report.auditChecked = false
        }
        if let plot, server == nil {
            let perHour = try SimulationPlot.messagesPerHour(auditDirectory: directory + "/audit", clock: clock)
            let svg = SimulationPlot.svg(title: scenario.name, perHour: perHour, startHour: startMinute / 60, endHour: (endMinute - 1) / 60,
                                         cases: report.cases, latencies: [("check → hit at the owner NCB", report.checkToOwner),
                                                                          ("publication → a post", report.publicationToPost)])
            try svg.write(toFile: plot, atomically: true, encoding: .utf8)
        }
        return report
    }

    /// The verdict line of `nex audit verify` on the day's log, and whether it is INTACT.
    static func verifyAudit(directory: String, pki: DevelopmentPKI) throws -> (intact: Bool, line: String) {
        var options = AuditVerifier.Options()
        options.certificateAuthorities = try Certificate.certificates(pemFile: pki.caCertificatePath)
        options.auditCertificates = try Certificate.certificates(pemFile: pki.auditCertificatePath)
        let result = try AuditVerifier.verify(directory: directory, options: options)
        return (result.verdict == .intact, VerdictText.line(result.verdict, result: result, running: false))
    }

    // MARK: - Lanes

    private func startLanes(pki: DevelopmentPKI, port: UInt16) throws {
        let startMinute = Double(Scenario.minutes(scenario.day.start)!)
        let endMinute = Double(Scenario.minutes(scenario.day.end)!)
        for country in cast.countries {
            guard let node = cast.ncbs[country] else { continue }
            let partners = cast.countries.filter { $0 != country }
            // Its own publications come at simulated minutes (ncbPublications), not on its timer.
            ncbs[country] = try lane(NCBAgent(node: node, country: country, partners: Array(partners.prefix(3)), seed: seed,
                                              publishEverySeconds: 0), pki: pki, port: port)
        }
        for post in cast.posts {
            let stream = TravellerStream(seed: seed, post: post.id, country: post.country,
                                         otherCountries: cast.countries.filter { $0 != post.country }.prefix(4).map { $0 },
                                         watchlistedShare: scenario.watchlistedShare)
            var agent = BorderPostAgent(node: post.id, country: post.country, stream: stream, travellersPerMinute: 0)
            agent.simulated = .init(schedule: scenario.travellerSchedule, startMinute: startMinute, endMinute: endMinute)
            posts[post.id] = try lane(agent, pki: pki, port: port)
            onDuty.insert(post.id)
        }
        // Every lane attached before the day starts: inboxes exist from the first record on. The
        // General Secretariat comes last: the UN special notices it publishes at once must find
        // every post's inbox there.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, attached.withLock({ $0.count }) < cast.nodeCount - 1 { Thread.sleep(forTimeInterval: 0.05) }
        let gsAgent = GeneralSecretariatAgent(node: cast.gs, countries: cast.countries, seed: seed, listedAffiliates: scenario.unListed)
        gs = try lane(gsAgent, pki: pki, port: port)
        while Date() < deadline, attached.withLock({ $0.count }) < cast.nodeCount { Thread.sleep(forTimeInterval: 0.05) }
        let missing = cast.nodeCount - attached.withLock { $0.count }
        if missing > 0 { throw SimulationError("\(missing) of \(cast.nodeCount) lanes did not attach to nexd within 30 s (see its log)") }
        // The UN special notices of the day's start are answered before it starts (they belong to its first minute).
        let listed = scenario.unListed
        while Date() < deadline, gs.map({ $0.withAgent { $0.state.listedPublished } < listed || $0.pendingCount > 0 }) ?? false {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// The nodes that attached at least once.
    private let attached = Locked(Set<String>())

    private func lane<Agent: NodeAgent>(_ agent: Agent, pki: DevelopmentPKI, port: UInt16) throws -> AgentRunner<Agent> {
        let credentials = try NodeCredentials.load(certificatePath: pki.nodeCertificatePath(agent.node), keyPath: pki.nodeKeyPath(agent.node),
                                                   caPath: pki.caCertificatePath)
        let attached = self.attached
        let waiting = self.waitingAtAttach
        let host = self.host
        let node = agent.node
        var options = AgentRunner<Agent>.Options()
        options.maximumRetryDelay = .seconds(1)
        // The simulation steps the lanes (checks allowed, notices handed in): they look often.
        options.idleWaitMillis = 20
        let runner = try AgentRunner(agent: agent, credentials: credentials, options: options, connect: { capabilities in
            let context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key,
                                                trustRoots: credentials.trustRoots, serverName: host)
            return try NexConnection(host: host, port: port, context: context, clientName: "nex simulate", capabilities: capabilities)
        }, log: { line in
            guard line.hasPrefix("connected as") else { return }
            attached.withLock { _ = $0.insert(node) }
            // "… durable inboxes …: N waiting"
            if let count = line.split(separator: " ").dropLast().last.flatMap({ Int($0) }) { waiting.withLock { $0[node] = count } }
        })
        let records = caseRecords
        let ledger = self.ledger
        runner.onAnswered = { notice, messageID, refusal in
            ledger.withLock { $0.answered(notice, messageID: messageID, refusal: refusal, atMillis: WallClock.nowMillis()) }
            guard notice.tag.hasPrefix("case:") else { return }
            records.withLock { $0[String(notice.tag.dropFirst(5))] = (refusal == nil ? messageID : nil, refusal, WallClock.nowMillis()) }
        }
        let done = DispatchSemaphore(value: 0)
        let endings = self.endings
        Thread.detachNewThread {
            if case .refused(let reason) = runner.run() { endings.withLock { $0[node] = "refused by nexd: \(reason)" } }
            done.signal()
        }
        lanes[node] = ({ runner.stop() }, done)
        return runner
    }

    // MARK: - Injects

    enum DayEvent {
        case publish(Scenario.PlantedCase)
        case plant(Scenario.PlantedCase)
        case inject(Scenario.Inject)
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

    private func apply(_ inject: Scenario.Inject, minute: Double, nexdConfig: String, directory: String) throws {
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
            _ = try pki.revoke(nodeID: post)
            if let nexd { kill(nexd.pid, SIGHUP) }
            injectLines.append("\(inject.at) \(post)'s certificate revoked; nexd reloaded")
        }
    }

    private func bringBack(_ inject: Scenario.Inject, minute: Double) throws {
        guard let post = inject.post, let away = offline.removeValue(forKey: post), let pki else { return }
        let cancelled = scenario.cases.filter { item in
            (scenario.injects ?? []).contains { $0.kind == .cancel && $0.case == item.name }
        }.compactMap { item in caseRecords.withLock { $0[item.name]?.id }.map { (item.name, $0) } }
        let heldBefore = Set(away.agent.state.watchlist.entries.keys)
        waitingAtAttach.withLock { $0[post] = nil }
        var agent = away.agent
        // Travellers from its return on; none checked until it holds what its inboxes kept for it.
        if let next = agent.simulated?.nextMinute, next < minute { agent.simulated?.nextMinute = minute }
        agent.simulated?.checkBefore = minute
        let delivered = agent.delivered
        let country = cast.posts.first { $0.id == post }?.country ?? ""
        ledger.withLock { $0.postReturned(post, country: country, atMillis: WallClock.nowMillis(), delivered: { delivered[$0] != nil }) }
        onDuty.insert(post)
        posts[post] = try lane(agent, pki: pki, port: port)
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

    // MARK: - Cases

    private func publishRecord(of item: Scenario.PlantedCase, minute: Double, atMillis now: Int64) {
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

    /// Hands `notice` to a lane as belonging to simulated `minute` (the ledger waits for its answer).
    private func hand<Agent: NodeAgent>(_ runner: AgentRunner<Agent>?, _ notice: OutgoingNotice, minute: Double) {
        guard let runner else { return }
        var notice = notice
        notice.simulatedMinute = minute
        ledger.withLock { $0.handedIn(minute: minute) }
        runner.inject([.publish(notice)])
    }

    /// Each NCB's own publications (``Scenario/ncbPublishEveryMinutes``): the k-th at the day's
    /// start plus its country's share of one interval plus k intervals, so they do not all come at once.
    private func ncbPublications(from start: Double, to end: Double) -> [(minute: Double, event: DayEvent)] {
        let every = scenario.ncbPublishEveryMinutes
        guard every > 0 else { return [] }
        let countries = cast.countries.filter { cast.ncbs[$0] != nil }
        return countries.enumerated().flatMap { index, country -> [(minute: Double, event: DayEvent)] in
            let first = start + every * Double(index + 1) / Double(countries.count)
            return stride(from: first, to: end, by: every).map { ($0, .ncbPublish(country)) }
        }
    }

    /// An NCB's next publication of its own, belonging to `minute`.
    private func publishOwn(of country: String, minute: Double, atMillis now: Int64) {
        guard let runner = ncbs[country] else { return }
        for case .publish(let notice) in runner.withAgent({ $0.publishNext(atMillis: now) }) { hand(runner, notice, minute: minute) }
    }

    /// The simulated minute through which every post on duty has checked its travellers.
    private func checkedThrough() -> Double {
        onDuty.compactMap { post in posts[post]?.withAgent { $0.simulated?.nextMinute } }.min() ?? .infinity
    }

    /// Takes `post` off duty (offline, revoked): its checks stop where they are; nothing is waited for it.
    private func leaveDuty(_ post: String) {
        onDuty.remove(post)
        ledger.withLock { $0.postLeft(post) }
    }

    /// Whether everything of a minute before `minute` is answered and on the posts that should hold
    /// it. Asks each waiting post what it received (outside the ledger's lock: the lanes answer under it).
    private func settle(before minute: Double, atMillis now: Int64) -> Bool {
        let waitingFor = ledger.withLock { ledger -> [String: [String]] in
            ledger.expire(atMillis: now)
            return ledger.waiting.reduce(into: [:]) { byPost, item in for post in item.value { byPost[post, default: []].append(item.key) } }
        }
        for (post, ids) in waitingFor {
            // Asked in place: a copy of the post's set would be copied again at its next delivery.
            guard let received = posts[post]?.withAgent({ agent in Set(ids.filter { agent.delivered[$0] != nil }) }), !received.isEmpty else { continue }
            ledger.withLock { $0.confirm(post: post, delivered: { received.contains($0) }) }
        }
        return ledger.withLock { $0.isSettled(before: minute) }
    }

    /// Plants whose record nexd had not yet accepted when they were due (retried each pass).
    private var pendingPlants: [Scenario.PlantedCase] = []

    private func plant(_ item: Scenario.PlantedCase) {
        guard !item.isIntelligence, let post = item.post, let disguise = item.disguise else { return }
        guard let id = caseRecords.withLock({ $0[item.name]?.id }), let runner = posts[post] else {
            // Not accepted yet, or the post is offline: tried again on the next pass.
            if caseRecords.withLock({ $0[item.name]?.refusal }) == nil { pendingPlants.append(item) }
            return
        }
        _ = runner.withAgent { $0.plant(.init(recordID: id, disguise: disguise)) }
    }

    private func retryPlants() {
        let due = pendingPlants
        pendingPlants = []
        for item in due { plant(item) }
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

    /// Intelligence cases judged at their `at` (later arrivals do not count).
    private var intelligenceSnapshots: [String: SimulationReport.CaseOutcome] = [:]

    /// Judges an intelligence case at its `at`, when the posts' checks reach it: by then every
    /// record of an earlier minute, the alert included, is where it should be (SimulationLedger).
    private func judgeIntelligence(_ item: Scenario.PlantedCase) {
        intelligenceSnapshots[item.name] = outcome(of: item)
    }

    /// An alert or a notice without a person: caught when every post still in the day holds it by `at`.
    private func intelligenceOutcome(of item: Scenario.PlantedCase, id: String) -> SimulationReport.CaseOutcome {
        if let snapshot = intelligenceSnapshots[item.name] { return snapshot }
        let refused = Set(endings.withLock { $0.keys })
        let expected = cast.posts.map(\.id).filter { !refused.contains($0) }
        let holders = expected.filter { post in
            posts[post]?.withAgent { $0.state.intelligence.contains(id) } ?? offline[post]?.agent.state.intelligence.contains(id) ?? false
        }
        let reached = holders.count == expected.count && !expected.isEmpty
        return .init(name: item.name, detected: reached, final: reached,
                     reason: "\(item.record) \(id) reached \(holders.count) of \(expected.count) border posts by \(item.at)"
                        + (reached ? "" : " (" + expected.filter { !holders.contains($0) }.prefix(3).joined(separator: ", ") + " not yet)"))
    }

    private func outcome(of item: Scenario.PlantedCase) -> SimulationReport.CaseOutcome {
        var outcome = judge(item)
        outcome.recordID = caseRecords.withLock { $0[item.name]?.id }
        return outcome
    }

    private func judge(_ item: Scenario.PlantedCase) -> SimulationReport.CaseOutcome {
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
    private func dayLatencies(clock: SimulatedClock) -> ([SimulationReport.LatencySample], [SimulationReport.LatencySample]) {
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
        let deliveries = posts.values.map { $0.withAgent { $0.delivered } } + offline.values.map(\.agent.delivered)
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
    private func watchlistLatencies(of id: String, acceptedAt: Int64) -> [Int64] {
        let held = posts.values.compactMap { $0.withAgent { $0.state.watchlist.entries[id]?.heldSinceMillis } }
            + offline.values.compactMap { $0.agent.state.watchlist.entries[id]?.heldSinceMillis }
        return held.map { max(0, $0 - acceptedAt) }.sorted()
    }

    private func progress(minute: Double, realSeconds: Double) -> String {
        let states = posts.values.map { $0.withAgent { $0.state.counts } } + offline.values.map(\.agent.state.counts)
        let detected = scenario.cases.filter { outcome(of: $0).detected }.count
        return "sim \(SimulatedClock.text(minute)) · real \(Int(realSeconds)) s · \(states.reduce(0) { $0 + $1.travellers }) travellers · "
            + "\(states.reduce(0) { $0 + $1.hitsReported }) hits · cases \(detected)/\(scenario.cases.count) detected   "
    }

    /// The shipped config with a port of its own, a temporary PKI and audit log, the roster's path made absolute.
    static func writeConfig(from path: String, into directory: String, port: UInt16) throws -> String {
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let cwd = FileManager.default.currentDirectoryPath
        // The shipped config's own values, each of which must be there: a config without one would
        // send the day's nexd to the real PKI, audit log or port.
        let substitutions = [
            ("port: 7247", "port: \(port)"), ("Certs/dev", directory + "/pki"),
            ("directory: var/audit", "directory: " + directory + "/audit"),
            ("file: Config/roster.yaml", "file: " + cwd + "/Config/roster.yaml"),
        ]
        for (needle, replacement) in substitutions {
            guard text.contains(needle) else {
                throw SimulationError("\(path) has no `\(needle)`: --spawn derives the day's nexd config from the shipped Config/nexd.yaml")
            }
            text = text.replacingOccurrences(of: needle, with: replacement)
        }
        let output = directory + "/nexd.yaml"
        try text.write(toFile: output, atomically: true, encoding: .utf8)
        return output
    }

    /// A port free on 127.0.0.1 now (so a restarted nexd listens where the lanes reconnect).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SimulationError("cannot open a socket to find a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw SimulationError("cannot find a free port on 127.0.0.1") }
        return UInt16(bigEndian: address.sin_port)
    }
}

struct SimulationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
