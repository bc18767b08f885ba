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

    var gs: AgentRunner<GeneralSecretariatAgent>?
    var ncbs: [String: AgentRunner<NCBAgent>] = [:]
    var posts: [String: AgentRunner<BorderPostAgent>] = [:]
    /// Posts taken offline by an inject: their agent, until they come back.
    var offline: [String: (agent: BorderPostAgent, back: Double)] = [:]
    /// Each lane's stop, and a semaphore its thread signals when run() returns.
    var lanes: [String: (stop: @Sendable () -> Void, done: DispatchSemaphore)] = [:]
    /// How each lane's run ended (a revoked post: refused).
    let endings = Locked<[String: String]>([:])
    /// Per node, the deliveries waiting in its inboxes at its latest attach.
    let waitingAtAttach = Locked<[String: Int]>([:])
    var injectLines: [String] = []
    var nexd: SpawnedDaemon?
    var pki: DevelopmentPKI?
    var port: UInt16 = 0
    /// The longest the checks fell behind the simulated clock (real ms).
    var maxLagMillis: Int64 = 0
    /// What the posts' checks wait for (records on their way); shared with the lanes' answers.
    let ledger: Locked<SimulationLedger>
    /// The posts on duty: attached or reconnecting, not offline, not revoked.
    var onDuty: Set<String> = []
    /// Posts whose certificate an inject revoked (off duty for the rest of the day, even back from offline).
    var revoked: Set<String> = []
    var nexdCPUAtStart: Double = 0
    var nexdCPUBefore: Double = 0
    /// Case name → (record id, refusal), from nexd's answers to the lanes.
    let caseRecords = Locked<[String: (id: String?, refusal: String?, acceptedAt: Int64)]>([:])

    /// Where the day's nexd directory stays (nil: a temporary one, removed at the end).
    let keep: String?

    /// Where to write the day's SVG (nil: none).
    let plot: String?
    /// A nexd already running (`--server`), and the PKI holding the lanes' credentials; nil: --spawn.
    let server: (host: String, port: UInt16, pki: String)?
    var host = "127.0.0.1"

    /// The nodes that attached at least once.
    let attached = Locked(Set<String>())
    /// Since when the events wait for the posts' hits to be answered.
    var hitsWaitingSince: Int64?
    /// Plants whose record nexd had not yet accepted when they were due (retried each pass).
    var pendingPlants: [Scenario.PlantedCase] = []
    /// Intelligence cases judged at their `at` (later arrivals do not count).
    var intelligenceSnapshots: [String: SimulationReport.CaseOutcome] = [:]

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
        if server != nil {
            // A nexd shared with others: what waited in the posts' inboxes from before did not pass the ledger.
            for (node, count) in waitingAtAttach.withLock({ $0 }).sorted(by: { $0.key < $1.key }) where count > 0 && posts[node] != nil {
                ledger.withLock { $0.noteLate("\(node) found \(count) deliveries from before this run in its inboxes") }
            }
        }
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
            // A post back after the day's end is not waited for.
            let back = at + (inject.minutes ?? 0)
            return [(at, .inject(inject))] + (back < Double(endMinute) ? [(back, .back(inject))] : [])
        } + ncbPublications(from: Double(startMinute), to: Double(endMinute))
        events.sort { ($0.minute, $0.event.order) < ($1.minute, $1.event.order) }
        var lastProgress: Int64 = 0
        let end = Double(endMinute)
        let ownCPUAtStart = ProcessStats.ownCPUSeconds()
        nexdCPUAtStart = nexd.flatMap { ProcessStats.cpuSeconds(pid: $0.pid) } ?? 0
        var stall = (through: -Double.infinity, events: events.count, sinceMillis: realStart)
        while true {
            let now = WallClock.nowMillis()
            let minute = clock.minute(atRealMillis: now)
            retireEndedPosts()
            // An event fires once every post on duty has checked the travellers before its minute and
            // nexd has answered the hits of those checks (a cancellation or a revocation must not
            // overtake them).
            while let next = events.first, next.minute <= minute, checkedThrough() >= next.minute, hitsAnswered(atMillis: now) {
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
            // Settled first, plants after: a record answered in between is planted before any check passes it.
            let settled = settle(before: target, atMillis: now)
            retryPlants()
            if settled, !pendingPlants.contains(where: { onDuty.contains($0.post ?? "") }) {
                for post in onDuty {
                    posts[post]?.withAgent { agent in
                        if let before = agent.simulated?.checksAllowedBefore, before < target { agent.simulated?.checksAllowedBefore = target }
                    }
                }
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
            // Nothing moves for a minute of real time: a fault, said rather than waited on for ever.
            if through > stall.through || events.count < stall.events {
                stall = (through, events.count, now)
            } else if now - stall.sinceMillis > 60_000 {
                throw SimulationError("the day stalled at \(SimulatedClock.text(through)) for 60 s: \(stallReason())")
            }
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
                report.cases[index].trace = AuditTraceText.condensed(trace)
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
}

struct SimulationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
