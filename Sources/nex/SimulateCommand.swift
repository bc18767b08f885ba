import ArgumentParser
import Foundation
import NexAgentRunner
import NexAgents
import NexClient
import NexConfig
import NexCrypto
import NexLoad
import NexPKI
import NexSync
import Yams

/// `nex simulate`: a training day — the region's agents as lanes of one process on a simulated
/// clock, planted cases, and a report of what was caught (issue 17, docs/SIMULATION.md).
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a training day: the region's agents as lanes of one process on a simulated clock, with planted cases.",
        discussion: """
            Each agent (the General Secretariat, the NCBs and border posts of the scenario's countries) runs \
            over its own mutual-TLS connection, as `nex node run` would (docs/AGENTS.md), on one thread each. \
            Simulated time runs --speed times faster than real time (--speed 60: an hour a minute); wire \
            timestamps stay real. Planted cases publish a record at one time and send its subject (or its \
            document) across a post at another; the report says which were detected — the post's hit \
            bound to the record and received by the owner NCB — and why not. With --spawn a nexd of its own \
            runs for the day (temporary PKI and audit log, verified at the end); with --server the lanes use \
            a running nexd and --pki, and injects that act on nexd (restart, revoke) are skipped and said so; \
            --json writes the report, --plot an SVG of the day. Exit 1 when a planted case was missed or the \
            day's audit log is not INTACT.
            """
    )

    @Option(help: "Scenario file (YAML, docs/SIMULATION.md).")
    var scenario: String?

    @Flag(help: "List the scenarios in Config/scenarios.")
    var list = false

    @Flag(help: "Start a nexd of its own for the day (temporary PKI, audit log and config, the shipped permissions and roster).")
    var spawn = false

    @Option(help: "Use a nexd already running at HOST:PORT instead (its roster and permissions must be the shipped ones); injects that act on nexd are skipped.")
    var server: String?

    @Option(help: "With --server: the development PKI holding every lane's certificate and key.")
    var pki: String = "Certs/dev"

    @Option(help: "Simulated minutes per real minute (60: an hour a minute; 1440: the day in a minute).")
    var speed: Double = 60

    @Option(help: "Random seed: the same seed, the same travellers, records, captures and outcomes (cases detected, hits, false matches).")
    var seed: UInt64 = 1

    @Option(help: "Write the report as JSON to this file.")
    var json: String?

    @Option(help: "Write an SVG of the day: accepted messages per simulated hour by kind (from the day's audit log), latency percentiles per simulated hour, and each planted case's latencies.")
    var plot: String?

    @Option(help: "Keep the day's nexd directory (its config, PKI and audit log) here instead of removing it: `nex audit verify --dir DIR/audit --ca DIR/pki/ca.pem --audit-cert DIR/pki/audit.pem` afterwards.")
    var keep: String?

    @Option(help: "The config whose roster and permissions the day uses.")
    var config: String = DaemonConfiguration.defaultPath

    func validate() throws {
        if list { return }
        guard scenario != nil else { throw ValidationError("give --scenario FILE (see --list)") }
        guard spawn != (server != nil) else { throw ValidationError("give --spawn (a nexd of its own) or --server HOST:PORT (one running), not both") }
        if let server, Self.split(server) == nil { throw ValidationError("--server must be HOST:PORT, for example 127.0.0.1:7247") }
        guard speed > 0, speed <= 100_000 else { throw ValidationError("--speed must be more than 0 and at most 100000") }
    }

    func run() throws {
        if list {
            let directory = "Config/scenarios"
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
            for file in files {
                let loaded = try? Self.load(directory + "/" + file)
                print("\(directory)/\(file): \(loaded?.name ?? "?") — \(loaded?.description ?? "cannot be read")")
            }
            return
        }
        let scenario = try Self.load(self.scenario!)
        let roster: [RosterEntry]
        do {
            roster = try DaemonConfiguration.load(path: config).roster.entries
        } catch {
            throw ValidationError("cannot read the roster of \(config): \(error)")
        }
        if let problem = scenario.problem(knownNodes: Set(roster.map(\.id))) { throw ValidationError("\(self.scenario!): \(problem)") }
        let cast = SimulationCast(scenario: scenario, roster: roster)
        if let keep, FileManager.default.fileExists(atPath: keep) { throw ValidationError("--keep \(keep) exists: name a new directory") }
        let day = try SimulationDay(scenario: scenario, cast: cast, speed: speed, seed: seed, configPath: config, keep: keep, plot: plot,
                                    server: server.flatMap(Self.split).map { ($0.0, $0.1, pki) })
        let report = try day.run()
        print(report.text)
        if let json { try report.json().write(to: URL(fileURLWithPath: json)) }
        // Exit 1 when a planted case was missed or the day's audit log does not verify.
        if report.cases.contains(where: { !$0.detected }) || (report.auditChecked && !report.audit.intact) { throw ExitCode(1) }
    }

    static func split(_ address: String) -> (String, UInt16)? {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else { return nil }
        let host = String(address[..<colon])
        return host.isEmpty ? nil : (host, port)
    }

    static func load(_ path: String) throws -> Scenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read the scenario \(path): \(error.localizedDescription)")
        }
        do {
            return try YAMLDecoder().decode(Scenario.self, from: text)
        } catch {
            throw ValidationError("\(path) is not a scenario (docs/SIMULATION.md): \(error)")
        }
    }
}

/// Who takes part: the General Secretariat, one NCB per country, its first posts, and the posts
/// the cases and the injects name (with their countries).
struct SimulationCast {
    let countries: [String]
    let ncbs: [String: String]
    let posts: [RosterEntry]
    let gs: String

    init(scenario: Scenario, roster: [RosterEntry]) {
        var order: [String] = []
        for entry in roster where entry.role == .ncb && !order.contains(entry.country) { order.append(entry.country) }
        var chosen = Array(order.prefix(scenario.countries))
        let namedPosts = scenario.cases.compactMap(\.post) + (scenario.injects ?? []).compactMap(\.post)
        let named = scenario.cases.map(\.country) + namedPosts.compactMap { post in roster.first { $0.id == post }?.country }
        for country in named where !chosen.contains(country) { chosen.append(country) }
        countries = chosen
        var ncbs: [String: String] = [:]
        for country in chosen { ncbs[country] = roster.first { $0.role == .ncb && $0.country == country }?.id }
        self.ncbs = ncbs
        var posts: [RosterEntry] = []
        for country in chosen {
            posts += roster.filter { $0.role == .bcp && $0.country == country }.prefix(scenario.postsPerCountry)
        }
        for named in namedPosts where !posts.contains(where: { $0.id == named }) {
            if let post = roster.first(where: { $0.id == named }) { posts.append(post) }
        }
        self.posts = posts
        gs = roster.first { $0.role == .gs }?.id ?? "gs.fr.lyon"
    }

    var nodeCount: Int { 1 + ncbs.count + posts.count }
}
