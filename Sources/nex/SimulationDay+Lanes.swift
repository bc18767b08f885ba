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

/// The lanes of a training day: one agent runner per node, its nexd config and port.
extension SimulationDay {
    // MARK: - Lanes

    func startLanes(pki: DevelopmentPKI, port: UInt16) throws {
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

    func lane<Agent: NodeAgent>(_ agent: Agent, pki: DevelopmentPKI, port: UInt16) throws -> AgentRunner<Agent> {
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


    /// The shipped config with a port of its own, a temporary PKI and audit log, the roster's path made absolute.
    static func writeConfig(from path: String, into directory: String, port: UInt16) throws -> String {
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let cwd = FileManager.default.currentDirectoryPath
        // The shipped config's own values, each of which must be there: a config without one would
        // send the day's nexd to the real PKI, audit log or port.
        let substitutions = [
            ("port: 7247", "port: \(port)"), ("port: 9247", "port: 0"), ("Certs/dev", directory + "/pki"),
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
