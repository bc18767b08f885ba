import ArgumentParser
import Foundation
import NexAgentRunner
import NexAgents
import NexClient
import NexConfig
import NexNotices

/// `nex node run`: a node that behaves like its role (issue 16 §3).
struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a node as an agent that behaves like its role (border post, NCB, General Secretariat, cyber centre, bureau).",
        subcommands: [NodeRunCommand.self]
    )
}

struct NodeRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run --node as an agent of its role until Ctrl-C, --duration or --travellers.",
        discussion: """
            The role and country come from the roster (--config). Every message is a signed notice over the \
            node's own mutual-TLS connection; every delivery is re-verified end to end before the agent \
            acts on it; subscriptions are durable (one inbox per filter), and the agent's state is kept \
            in --state (default var/agents/<node>) before each delivery is receipted, so a restarted agent \
            carries on where it stopped. Notices nexd has not answered wait in the state's outbox and are \
            sent when it is back.

            bcp (border post): keeps a watchlist from notice.>, alert.>, sltd.> and its reply.<country>; \
            checks --travellers-per-minute synthetic travellers (a --watchlisted-share of them persons or \
            documents of the watchlist, in a random disguise: true name, transliterated name, alias, stolen \
            document) by document, names and date of birth, face and fingerprint; reports each match as a \
            hit bound to the record; at exit prints what it detected and missed and its biometric false \
            match and false non-match counts. --plant RECORD:DISGUISE sends that record's person (or \
            document) across as soon as the record is on the watchlist (RECORD a message id, or a kind: \
            --plant red:alias). See docs/AGENTS.md.

            ncb: acknowledges hits on its country's records and asks the post for the action the record \
            calls for; with --publish-every, requests Red Notices, publishes stolen-passport records and \
            diffusions to its neighbours in turn. gs: reviews requests (accepts and publishes the notice \
            then the decision, or refuses with a reason), publishes --un-listed UN special notices and, with \
            --publish-every, CBRNE and counterfeit-medicine alerts. cyber: cybercrime alerts every \
            --publish-every seconds (default 300). rb: reads and counts.

            Exit status: 0 stopped; 1 refused by nexd for good (revoked, not on the roster, not permitted); \
            2 the state could not be kept or read; 3 no credentials; 64 usage.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Directory of the agent's state and outbox (default var/agents/<node>).")
    var state: String?

    @Option(help: "Random seed of the traveller stream and of what the agent publishes.")
    var seed: UInt64 = 1

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Option(help: "bcp: stop after this many travellers in all (counted across restarts).")
    var travellers: Int?

    @Option(help: "bcp: travellers checked per minute (0: only keep the watchlist).")
    var travellersPerMinute: Double = 30

    @Option(help: "bcp: the share of travellers who are persons or documents of the watchlist, 0…1.")
    var watchlistedShare: Double = 0.02

    @Option(help: "bcp: face similarity at or above which a capture matches (docs/BIOMETRICS.md).")
    var faceThreshold: Double = BiometricModel.face.defaultThreshold

    @Option(help: "bcp: fingerprint similarity at or above which a capture matches.")
    var fingerprintThreshold: Double = BiometricModel.fingerprint.defaultThreshold

    @Option(parsing: .singleValue, help: "bcp: RECORD:DISGUISE — the person (or document) of record RECORD (a message id, or a kind such as red for the first one held) crosses as DISGUISE (true-name, transliterated, alias, stolen-document) once held. Repeatable; asked once per state.")
    var plant: [String] = []

    @Option(help: "ncb, gs, cyber: seconds between the agent's own publications (0: none).")
    var publishEvery: Double?

    @Option(help: "gs: UN special notices for listed terrorist affiliates to publish at the start.")
    var unListed: Int = 0

    func validate() throws {
        guard (0...1).contains(watchlistedShare) else { throw ValidationError("--watchlisted-share is a share from 0 to 1, for example 0.02") }
        guard travellersPerMinute >= 0, travellersPerMinute <= 600_000 else { throw ValidationError("--travellers-per-minute must be 0 to 600000") }
        guard (-1...1).contains(faceThreshold), (-1...1).contains(fingerprintThreshold) else {
            throw ValidationError("thresholds are similarities from -1 to 1 (defaults: face 0.32, fingerprint 0.44)")
        }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be more than 0 seconds") }
        if let publishEvery, publishEvery < 0 { throw ValidationError("--publish-every must be 0 or more seconds") }
        for text in plant { _ = try Self.parsePlant(text) }
    }

    static func parsePlant(_ text: String) throws -> TravellerStream.Plant {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let disguise = Traveller.Disguise(rawValue: parts[1]), !parts[0].isEmpty else {
            throw ValidationError("--plant is RECORD:DISGUISE, RECORD a message id or a kind (red, un-special, diffusion, sltd, …: the first "
                + "such record held), DISGUISE one of " + Traveller.Disguise.allCases.map(\.rawValue).joined(separator: ", ")
                + "; for example --plant red:alias")
        }
        return TravellerStream.Plant(recordID: parts[0].lowercased(), disguise: disguise)
    }

    func run() throws {
        let credentials = try connection.credentialsOrExit(as: "nex node run")
        // The role, the country and the neighbours come from the roster: an agent never guesses them.
        let roster: [RosterEntry]
        do {
            roster = try DaemonConfiguration.load(path: connection.config).roster.entries
        } catch {
            throw ValidationError("cannot read the roster of \(connection.config) (\(error)): the agent takes its role and country from it; pass --config")
        }
        let region = AgentRegion(node: connection.node, roster: roster)
        if travellers != nil, region.role != .bcp {
            throw ValidationError("--travellers counts a border post's travellers; \(connection.node) is \(region.role.rawValue)")
        }
        let directory = state ?? "var/agents/\(connection.node)"
        let path = directory + "/" + AgentSavedState.fileName
        do {
            let saved = try AgentSavedState.read(directory: directory)?.agent
            try start(region: region, saved: saved, credentials: credentials, directory: directory)
        } catch let error as DecodingError {
            FileHandle.standardError.write(Data("nex node run: cannot read the agent's state \(path) (\(error)); it is not the state of a \(region.role.rawValue) agent of this version: move it away to start afresh\n".utf8))
            throw ExitCode(2)
        } catch let error as AgentStateError {
            FileHandle.standardError.write(Data("nex node run: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    private func start(region: AgentRegion, saved: Data?, credentials: NodeCredentials, directory: String) throws {
        switch region.role {
        case .bcp:
            var agent = BorderPostAgent(
                node: connection.node, country: region.country,
                stream: TravellerStream(seed: seed, post: connection.node, country: region.country,
                                        otherCountries: region.acrossTheBorder, watchlistedShare: watchlistedShare),
                check: BorderCheck(faceThreshold: faceThreshold, fingerprintThreshold: fingerprintThreshold),
                travellersPerMinute: travellersPerMinute, state: try saved.map(BorderPostAgent.state(decoding:)))
            for text in plant where !agent.plant(try Self.parsePlant(text)) {
                print("--plant \(text): already asked (earlier in this command, or in an earlier run: plants are kept in the state); not planted again")
            }
            try drive(agent, credentials: credentials, directory: directory, resumed: saved != nil)
        case .ncb:
            try drive(NCBAgent(node: connection.node, country: region.country, partners: region.neighbours, seed: seed,
                               publishEverySeconds: publishEvery ?? 0, state: try saved.map(NCBAgent.state(decoding:))),
                      credentials: credentials, directory: directory, resumed: saved != nil)
        case .gs:
            try drive(GeneralSecretariatAgent(node: connection.node, countries: region.countries, seed: seed, listedAffiliates: unListed,
                                              publishEverySeconds: publishEvery ?? 0, state: try saved.map(GeneralSecretariatAgent.state(decoding:))),
                      credentials: credentials, directory: directory, resumed: saved != nil)
        case .cyber:
            try drive(CyberCentreAgent(node: connection.node, countries: region.countries, seed: seed, publishEverySeconds: publishEvery ?? 300,
                                       state: try saved.map(CyberCentreAgent.state(decoding:))),
                      credentials: credentials, directory: directory, resumed: saved != nil)
        case .rb:
            try drive(ObserverAgent(node: connection.node, subscriptions: ["notice.>", "alert.>", "sltd.>"]),
                      credentials: credentials, directory: directory, resumed: false)
        }
    }

    private func drive<Agent: NodeAgent>(_ agent: Agent, credentials: NodeCredentials, directory: String, resumed: Bool) throws {
        let node = connection.node
        let log: @Sendable (String) -> Void = { line in
            let time = Date().formatted(.iso8601.time(includingFractionalSeconds: false))
            FileHandle.standardOutput.write(Data("\(time) \(node): \(line)\n".utf8))
        }
        log(resumed ? "resuming from \(directory)/state.json" : "starting afresh; state kept in \(directory)")
        let connection = self.connection
        let runner = try AgentRunner(agent: agent, credentials: credentials, options: .init(stateDirectory: directory),
                                     connect: { try connection.connect(credentials: credentials, capabilities: $0) }, log: log)
        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            // The first signal stops the agent (its state kept); a second one ends the process at once.
            source.setEventHandler {
                runner.stop()
                signal(number, SIG_DFL)
            }
            source.resume()
            return source
        }
        if let duration { DispatchQueue.global().asyncAfter(deadline: .now() + duration) { runner.stop() } }
        if let travellers {
            Thread.detachNewThread {
                while runner.withAgent({ ($0 as? BorderPostAgent)?.state.counts.travellers ?? 0 }) < travellers {
                    Thread.sleep(forTimeInterval: 0.05)
                }
                runner.stop()
            }
        }
        let ending = runner.run()
        signals.forEach { $0.cancel() }
        for line in runner.withAgent({ $0.summary }) { print(line) }
        let pending = runner.pendingCount
        if pending > 0 { print("\(pending) notices still in the outbox, sent at the next run") }
        switch ending {
        case .stopped: return
        case .refused: throw ExitCode(1)
        case .stateFailed: throw ExitCode(2)
        }
    }
}

/// What the roster says of a node and its neighbourhood.
struct AgentRegion {
    let role: NodeRole
    let country: String
    /// Countries of the posts across this post's crossing.
    let acrossTheBorder: [String]
    /// Countries that share a crossing with this node's country.
    let neighbours: [String]
    /// Every country on the roster.
    let countries: [String]

    init(node: String, roster: [RosterEntry]) {
        let tokens = node.split(separator: ".").map(String.init)
        let entry = roster.first { $0.id == node }
        let own = entry?.country ?? (tokens.count > 1 ? tokens[1] : "zz")
        role = entry?.role ?? NodeRole(rawValue: tokens.first ?? "") ?? .rb
        country = own
        // A post's id is bcp.<country>.<crossing>: the posts of one crossing share the last tokens.
        func crossing(_ id: String) -> String { id.split(separator: ".").dropFirst(2).joined(separator: ".") }
        let posts = roster.filter { $0.role == .bcp }
        acrossTheBorder = Array(Set(posts.filter { crossing($0.id) == crossing(node) && $0.country != own }.map(\.country))).sorted()
        let ownCrossings = Set(posts.filter { $0.country == own }.map { crossing($0.id) })
        neighbours = Array(Set(posts.filter { ownCrossings.contains(crossing($0.id)) && $0.country != own }.map(\.country))).sorted()
        countries = Array(Set(roster.map(\.country))).sorted()
    }
}
