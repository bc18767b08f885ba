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
    private var maxLagMillis: Int64 = 0
    /// The traveller rate in force (per simulated hour), and the travellers each post should have checked.
    private var currentRate: Double = 0
    private var expectedTravellers: Double = 0
    private var lastLoopMillis: Int64 = 0
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
        }
        events.sort { ($0.minute, $0.event.order) < ($1.minute, $1.event.order) }
        var lastProgress: Int64 = 0
        currentRate = scenario.travellersPerHour(atMinute: Double(startMinute))
        lastLoopMillis = realStart
        let ownCPUAtStart = ProcessStats.ownCPUSeconds()
        nexdCPUAtStart = nexd.flatMap { ProcessStats.cpuSeconds(pid: $0.pid) } ?? 0
        while true {
            let now = WallClock.nowMillis()
            let minute = clock.minute(atRealMillis: now)

            while let next = events.first, next.minute <= minute {
                events.removeFirst()
                switch next.event {
                case .publish(let item): publishRecord(of: item, atMillis: now)
                case .plant(let item): plant(item)
                case .inject(let inject): try apply(inject, nexdConfig: nexdConfig, directory: directory)
                case .back(let inject): try bringBack(inject)
                }
            }
            retryPlants()
            snapshotIntelligence(atMinute: minute)
            // The hour's traveller rate (hourlyProfile), and how many each post should have checked by now.
            let hourRate = scenario.travellersPerHour(atMinute: minute)
            if hourRate != currentRate {
                currentRate = hourRate
                for runner in posts.values { runner.withAgent { $0.travellersPerMinute = hourRate * speed / 60 } }
            }
            expectedTravellers += hourRate * speed / 3600 * Double(now - lastLoopMillis) / 1000
            lastLoopMillis = now
            if now - lastProgress >= 1_000 {
                lastProgress = now
                FileHandle.standardError.write(Data("\r\(progress(minute: minute, realSeconds: Double(now - realStart) / 1000))".utf8))
            }
            if minute >= Double(endMinute), events.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.05)
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
        // Real time: how many seconds of its schedule the slowest post (never taken offline) is behind —
        // the travellers it should have checked by now, less those it did, at its rate.
        let perSecond = expectedTravellers / max(realSeconds, 0.001)
        let offlinePosts = Set((scenario.injects ?? []).compactMap { $0.kind == .offline || $0.kind == .revoke ? $0.post : nil })
        let behind = posts.filter { !offlinePosts.contains($0.key) }.values.map { runner -> Double in
            let checked = Double(runner.withAgent { $0.state.counts.travellers })
            return perSecond > 0 ? max(0, expectedTravellers - checked) / perSecond : 0
        }.max() ?? 0
        maxLagMillis = Int64(behind * 1000)
        report.realTime = (maxLagMillis, nexdCPU / realSeconds * 100, (ProcessStats.ownCPUSeconds() - ownCPUAtStart) / realSeconds * 100)
        for lane in lanes.values { lane.stop() }
        for lane in lanes.values { lane.done.wait() }
        // The day's audit log, verified as `nex audit verify` does, against the day's CA and audit key.
        self.nexd?.stop()
        if server == nil {
            report.audit = try Self.verifyAudit(directory: directory + "/audit", pki: pki)
        } else {
            report.audit = (false, "not verified here: with --server run `nex audit verify` where nexd keeps its log")
            report.auditChecked = false
        }
        if let plot, server == nil {
            let perHour = try SimulationPlot.messagesPerHour(auditDirectory: directory + "/audit", clock: clock)
            let svg = SimulationPlot.svg(title: scenario.name, perHour: perHour, startHour: startMinute / 60, endHour: (endMinute - 1) / 60,
                                         cases: report.cases)
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
        let perMinute = scenario.travellersPerHour(atMinute: Double(Scenario.minutes(scenario.day.start)!)) * speed / 60
        let gsAgent = GeneralSecretariatAgent(node: cast.gs, countries: cast.countries, seed: seed, listedAffiliates: scenario.unListed)
        gs = try lane(gsAgent, pki: pki, port: port)
        for country in cast.countries {
            guard let node = cast.ncbs[country] else { continue }
            let partners = cast.countries.filter { $0 != country }
            let every = scenario.ncbPublishEveryMinutes * 60 / speed
            ncbs[country] = try lane(NCBAgent(node: node, country: country, partners: Array(partners.prefix(3)), seed: seed,
                                              publishEverySeconds: every), pki: pki, port: port)
        }
        for post in cast.posts {
            let stream = TravellerStream(seed: seed, post: post.id, country: post.country,
                                         otherCountries: cast.countries.filter { $0 != post.country }.prefix(4).map { $0 },
                                         watchlistedShare: scenario.watchlistedShare)
            posts[post.id] = try lane(BorderPostAgent(node: post.id, country: post.country, stream: stream, travellersPerMinute: perMinute),
                                      pki: pki, port: port)
        }
        // Every lane attached before the day starts: inboxes exist from the first record on.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, attached.withLock({ $0.count }) < cast.nodeCount { Thread.sleep(forTimeInterval: 0.05) }
        let missing = cast.nodeCount - attached.withLock { $0.count }
        if missing > 0 { throw SimulationError("\(missing) of \(cast.nodeCount) lanes did not attach to nexd within 30 s (see its log)") }
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
        runner.onAnswered = { notice, messageID, refusal in
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

        /// Within one minute: records first, then injects, then plants.
        var order: Int {
            switch self {
            case .publish: 0
            case .inject, .back: 1
            case .plant: 2
            }
        }
    }

    private func apply(_ inject: Scenario.Inject, nexdConfig: String, directory: String) throws {
        switch inject.kind {
        case .offline:
            guard let post = inject.post, let runner = posts[post], let lane = lanes[post] else { return }
            lane.stop()
            lane.done.wait()
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
            let cancel = OutgoingNotice(topic: topic, kind: "cancel", object: ["kind": "cancel", "fictional": true, "original": id, "reason": "arrest"],
                                        tag: "cancel:" + name)
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
            _ = try pki.revoke(nodeID: post)
            if let nexd { kill(nexd.pid, SIGHUP) }
            injectLines.append("\(inject.at) \(post)'s certificate revoked; nexd reloaded")
        }
    }

    private func bringBack(_ inject: Scenario.Inject) throws {
        guard let post = inject.post, let away = offline.removeValue(forKey: post), let pki else { return }
        let cancelled = scenario.cases.filter { item in
            (scenario.injects ?? []).contains { $0.kind == .cancel && $0.case == item.name }
        }.compactMap { item in caseRecords.withLock { $0[item.name]?.id }.map { (item.name, $0) } }
        let heldBefore = Set(away.agent.state.watchlist.entries.keys)
        waitingAtAttach.withLock { $0[post] = nil }
        var agent = away.agent
        agent.travellersPerMinute = currentRate * speed / 60
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

    private func publishRecord(of item: Scenario.PlantedCase, atMillis now: Int64) {
        var generator = SeededGenerator(seed: TravellerStream.seed(seed, post: "case:" + item.name, index: 0))
        let requester = cast.ncbs[item.country] ?? "ncb.\(item.country)"
        let date = AgentClock.date(millis: now)
        let tag = "case:" + item.name
        switch item.record {
        case "cbrne-alert":
            gs?.inject([.publish(OutgoingNotice(topic: "alert.cbrne.\(Self.region(of: item.country))", kind: "orange", object: [
                "kind": "orange", "fictional": true, "threat_category": "chemical",
                "description": "Planted case \(item.name): drums of a toxic industrial chemical stolen near the border; watch cargo (synthetic)",
                "valid_until": AgentClock.date(millis: now + 30 * 86_400_000), "affected_countries": [item.country],
            ], tag: tag))])
        case "purple":
            gs?.inject([.publish(OutgoingNotice(topic: "notice.purple.\(item.country)", kind: "purple", object: [
                "kind": "purple", "fictional": true, "crime_area": "counterfeit-pharmaceuticals",
                "modus_operandi": "Planted case \(item.name): counterfeit antimalarials seized in a lorry, copied batch numbers (synthetic)",
                "countries_seen": [item.country], "requested_by": requester,
            ], tag: tag))])
        case "sltd":
            let (holder, sex) = SyntheticPeople.person(nationality: item.country, using: &generator)
            ncbs[item.country]?.inject([.publish(OutgoingNotice(topic: "sltd.\(item.country)", kind: "sltd", object: [
                "kind": "sltd", "fictional": true, "document_number": SyntheticPeople.documentNumber(using: &generator), "document_type": "passport",
                "issuing_country": item.country, "status": "stolen", "reported_on": date, "reported_by": requester,
                "holder": ["family_name": holder.familyName, "forenames": holder.forenames, "sex": sex, "date_of_birth": holder.dateOfBirth!],
            ], tag: tag))])
        case "un-special":
            gs?.inject([.publish(OutgoingNotice(topic: "notice.un-special.\(item.country)", kind: "un-special", object: [
                "kind": "un-special", "fictional": true, "sanctions_regime": "1267", "un_reference": "QDi.CASE-\(item.name)",
                "measures": ["assets-freeze", "travel-ban", "arms-embargo"],
                "subject": SyntheticPeople.subject(nationality: item.country, modalities: item.biometrics ?? [], using: &generator),
            ], tag: tag))])
        default:
            gs?.inject([.publish(OutgoingNotice(topic: "notice.red.\(item.country)", kind: "red", object: [
                "kind": "red", "fictional": true,
                "subject": SyntheticPeople.subject(nationality: item.country, modalities: item.biometrics ?? [], using: &generator),
                "charges": ["Planted case \(item.name) (synthetic)"],
                "warrant": ["issuing_country": item.country, "reference": "CASE-\(item.name)", "issued_on": date], "requested_by": requester,
            ], tag: tag))])
        }
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

    private func snapshotIntelligence(atMinute minute: Double) {
        for item in scenario.cases where item.isIntelligence && intelligenceSnapshots[item.name] == nil
            && minute >= Double(Scenario.minutes(item.at)!) {
            intelligenceSnapshots[item.name] = outcome(of: item)
        }
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
        outcome.watchlistMillis = watchlist
        return outcome
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
