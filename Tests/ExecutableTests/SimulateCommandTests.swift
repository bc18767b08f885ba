import Foundation
import Testing

/// `nex simulate` (issue 17): a compressed training day with `--spawn` — every planted case
/// detected at the default thresholds, the same outcomes for the same seed, the day's audit log
/// verified afterwards.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct SimulateCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let scenario = """
        name: test-day
        description: "three planted cases on a short, fast day"
        day: { start: "06:00", end: "10:00" }
        countries: 2
        postsPerCountry: 1
        travellersPerHour: 150
        watchlistedShare: 0.02
        unListed: 2
        ncbPublishEveryMinutes: 20
        cases:
          - { name: red-by-name, record: red, country: ug, published: "06:10", at: "07:00", post: bcp.ke.malaba, disguise: transliterated }
          - { name: passport, record: sltd, country: tz, published: "06:20", at: "07:30", post: bcp.ke.namanga, disguise: stolen-document }
          - { name: listed-by-face, record: un-special, country: so, published: "06:30", at: "08:00", post: bcp.ug.busia, disguise: alias, biometrics: [face] }
          - { name: cbrne, record: cbrne-alert, country: ke, published: "06:50", at: "07:50" }
        injects:
          - { kind: restart, at: "06:40" }
          - { kind: offline, post: bcp.ug.busia, at: "08:15", minutes: 60 }
          - { kind: cancel, case: red-by-name, at: "08:30" }
          - { kind: revoke, post: bcp.ke.namanga, at: "09:00" }
        """

    struct Report: Decodable, Equatable {
        struct Case: Decodable, Equatable {
            let name: String
            let detected: Bool
            let method: String?
        }
        let countries: Int
        let nodes: Int
        let plantedCases: [Case]
        let auditIntact: Bool
        let injects: [String]
        let travellers: Int
        let hits: Int
        let falseAlarms: Int
        let watchlisted: Int
        let watchlistedDetected: Int
        let biometrics: [String: Tally]
        let lateDeliveries: [String]

        struct Tally: Decodable, Equatable {
            let genuine: Int
            let falseNonMatches: Int
            let impostor: Int
            let falseMatches: Int
        }

        /// The outcomes that must repeat for a seed (not the ids in the inject lines, not latencies).
        struct Outcomes: Equatable {
            let cases: [Case]
            let travellers: Int
            let hits: Int
            let falseAlarms: Int
            let watchlisted: Int
            let watchlistedDetected: Int
            let biometrics: [String: Tally]
        }

        var outcomes: Outcomes {
            Outcomes(cases: plantedCases, travellers: travellers, hits: hits, falseAlarms: falseAlarms, watchlisted: watchlisted,
                     watchlistedDetected: watchlistedDetected, biometrics: biometrics)
        }
    }

    func simulate(seed: Int, in directory: String) throws -> (Report, ProcessRunner.Result) {
        let scenarioPath = directory + "/test-day.yaml"
        try Self.scenario.write(toFile: scenarioPath, atomically: true, encoding: .utf8)
        let jsonPath = directory + "/report-\(seed)-\(UUID().uuidString).json"
        let result = try ProcessRunner.run("nex", ["simulate", "--scenario", scenarioPath, "--spawn", "--speed", "3600", "--seed", "\(seed)",
                                                   "--json", jsonPath, "--plot", directory + "/day-\(seed).svg"], in: Self.root, timeout: 90)
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: jsonPath)))
        return (report, result)
    }

    @Test func aCompressedDayDetectsEveryPlantedCaseTheSameWayForASeed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-simulate-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (first, run) = try simulate(seed: 7, in: directory)
        #expect(run.status == 0, "\(run.standardOutput)\n\(run.standardError.suffix(2000))")
        #expect(first.plantedCases.map(\.name) == ["red-by-name", "passport", "listed-by-face", "cbrne"])
        #expect(first.plantedCases.allSatisfy { $0.detected }, "\(run.standardOutput)")
        // The alias is known only by face; the stolen passport by its number.
        #expect(first.plantedCases.map(\.method) == ["nominal", "document", "face", nil])
        #expect(first.countries >= 2 && first.nodes >= 5 && first.auditIntact)
        #expect(run.standardOutput.contains("INTACT"))
        // Each case's chain of custody (`nex audit trace` of its hit, which leads to the record), and
        // the day's latency percentiles.
        #expect(run.standardOutput.components(separatedBy: "      lifecycle of ").count == 5, "\(run.standardOutput)")
        #expect(run.standardOutput.contains("HIT at bcp.ke.malaba on hit.ug.ke"))
        #expect(run.standardOutput.contains("latency over the day: check → hit at the owner NCB p50 "))
        // The injects: nexd restarted; Busia offline while the Red Notice was cancelled, and caught up
        // on it when back; Namanga's certificate revoked and the post refused from then on.
        #expect(first.injects.contains { $0.contains("nexd restarted") })
        #expect(first.injects.contains { $0.contains("bcp.ug.busia back: caught up on") && $0.contains("the cancellation of red-by-name applied") },
                "\(first.injects)")
        #expect(first.injects.contains { $0.hasPrefix("bcp.ke.namanga stopped: refused by nexd") && $0.contains("certificate revoked") }, "\(first.injects)")
        // The plot: the day's accepted messages by hour and kind, from its audit log.
        let svg = try String(contentsOfFile: directory + "/day-7.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("un-special: ") && svg.contains("listed-by-face"))
        #expect(svg.contains("Latency per simulated hour") && svg.contains("<polyline"))
        // Ordinary and watchlisted travellers, NCBs' own records and the General Secretariat's
        // reviews of their requests make up the rest of the day: a traveller meets the same
        // watchlist on every run, so the counts repeat exactly, false matches included.
        #expect(first.lateDeliveries.isEmpty, "\(first.lateDeliveries)")
        #expect(first.travellers > 3_000 && first.watchlisted > 20 && first.biometrics["face"]!.impostor > 0, "\(first.outcomes)")
        let (second, _) = try simulate(seed: 7, in: directory)
        #expect(second.outcomes == first.outcomes)
        #expect(second.lateDeliveries.isEmpty, "\(second.lateDeliveries)")
    }

    /// `--server`: the lanes attach to a nexd already running (with the shipped roster and its PKI);
    /// the cases are caught the same way, and an inject that acts on nexd is skipped and said so.
    @Test func aDayAgainstARunningNexdSkipsTheInjectsOnIt() throws {
        let workspace = try ExecutableTests.Workspace()
        let (daemon, server) = try ExecutableTests().startDaemon(workspace)
        defer { _ = daemon.terminate() }
        let scenario = """
            name: server-day
            description: "two cases, a restart that cannot happen"
            day: { start: "06:00", end: "08:00" }
            countries: 1
            postsPerCountry: 0
            travellersPerHour: 30
            watchlistedShare: 0.0
            unListed: 0
            ncbPublishEveryMinutes: 0
            cases:
              - { name: passport, record: sltd, country: tz, published: "06:10", at: "06:30", post: bcp.ke.namanga, disguise: stolen-document }
              - { name: red-by-name, record: red, country: ug, published: "06:20", at: "07:00", post: bcp.ke.malaba, disguise: true-name }
            injects:
              - { kind: restart, at: "07:30" }
            """
        try scenario.write(toFile: workspace.path + "/server-day.yaml", atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("nex", ["simulate", "--scenario", "server-day.yaml", "--server", server, "--pki", "Certs/dev",
                                                   "--speed", "3600", "--json", "day.json"], in: workspace.path, timeout: 90)
        #expect(result.status == 0, "\(result.standardOutput)\n\(result.standardError.suffix(1500))")
        #expect(result.standardOutput.contains("restart skipped: it acts on nexd"))
        #expect(result.standardOutput.contains("audit log: not verified here"))
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: workspace.path + "/day.json")))
        #expect(report.plantedCases.map(\.detected) == [true, true] && report.plantedCases.map(\.method) == ["document", "nominal"])
    }
}
