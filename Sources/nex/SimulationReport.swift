import Foundation
import NexAgents

/// What a training day caught (issue 17).
struct SimulationReport {
    struct CaseOutcome: Codable {
        var name: String
        var detected: Bool
        /// Nothing more will change (refused, or detected).
        var final: Bool = false
        var method: String?
        var observedAt: String?
        var reason: String
        /// Real ms from the post's check to the owner NCB's receipt of the hit.
        var checkToOwnerMillis: Int64?
        /// Real ms from the record's acceptance to each post's watchlist (sorted).
        var watchlistMillis: [Int64] = []

        enum CodingKeys: String, CodingKey { case name, detected, method, observedAt, reason, checkToOwnerMillis, watchlistMillis }

        /// `p50 12 ms, max 40 ms on 37 posts`.
        var watchlistText: String? {
            guard !watchlistMillis.isEmpty else { return nil }
            return "on \(watchlistMillis.count) posts' watchlists p50 \(watchlistMillis[watchlistMillis.count / 2]) ms, max \(watchlistMillis.last!) ms after publication"
        }
    }

    let scenario: Scenario
    let cast: SimulationCast
    let speed: Double
    let seed: UInt64
    let realSeconds: Double
    let cases: [CaseOutcome]
    let posts: [BorderPostAgent.State]
    /// `nex audit verify` on the day's log afterwards.
    var audit: (intact: Bool, line: String) = (false, "not verified")
    /// False with --server: the log is not this run's to verify.
    var auditChecked = true
    /// What the injects did, in order.
    var injects: [String] = []
    /// How far the slowest post fell behind its traveller schedule; nexd's and this process's CPU (% of one core).
    var realTime: (maxLagMillis: Int64, nexdCPU: Double, lanesCPU: Double) = (0, 0, 0)
    /// Whether the day ran in real time: no post more than a second behind its schedule.
    var keptUp: Bool { realTime.maxLagMillis <= 1_000 }

    var text: String {
        var lines = ["\(scenario.name): \(cast.countries.count) countries, \(cast.nodeCount) nodes, day \(scenario.day.start)–\(scenario.day.end) at ×\(Int(speed)) in \(Int(realSeconds)) s (seed \(seed))"]
        for item in cases {
            var line = "  \(item.detected ? "DETECTED" : "MISSED  ") \(item.name): \(item.reason)"
            if let millis = item.checkToOwnerMillis { line += " \(millis) ms after the check" }
            if let watchlist = item.watchlistText { line += "; record \(watchlist)" }
            lines.append(line)
        }
        let counts = posts.map(\.counts)
        let face = posts.reduce(BiometricTally.Counts()) { $0 + $1.tally.face }
        let fingerprint = posts.reduce(BiometricTally.Counts()) { $0 + $1.tally.fingerprint }
        lines.append("  travellers \(counts.reduce(0) { $0 + $1.travellers }), hits \(counts.reduce(0) { $0 + $1.hitsReported }) "
            + "(\(counts.reduce(0) { $0 + $1.falseAlarms }) on travellers who were not the record's person)")
        lines.append("  biometrics: face \(face.falseNonMatches)/\(face.genuine) false non-matches, \(face.falseMatches)/\(face.impostor) false matches; "
            + "fingerprint \(fingerprint.falseNonMatches)/\(fingerprint.genuine), \(fingerprint.falseMatches)/\(fingerprint.impostor)")
        for line in injects { lines.append("  inject: \(line)") }
        let perSecond = Double(posts.reduce(0) { $0 + $1.counts.travellers }) / max(realSeconds, 0.001)
        lines.append("  real time: \(keptUp ? "kept" : "NOT kept") — the slowest post \(realTime.maxLagMillis) ms behind its traveller schedule at the end; "
            + "\(cast.nodeCount) nodes, \(Int(perSecond)) travellers/s; nexd CPU \(auditChecked ? "\(Int(realTime.nexdCPU)) %" : "not measured (--server)"), lanes \(Int(realTime.lanesCPU)) % of one core")
        lines.append("  audit log: \(audit.line)")
        return lines.joined(separator: "\n")
    }

    func json() throws -> Data {
        struct Body: Encodable {
            let scenario: String
            let countries: Int
            let nodes: Int
            let speed: Double
            let seed: UInt64
            let realSeconds: Double
            let plantedCases: [CaseOutcome]
            let travellers: Int
            let hits: Int
            let auditIntact: Bool
            let auditVerdict: String
            let injects: [String]
            let keptRealTime: Bool
            let maxLagMillis: Int64
            let nexdCPUPercent: Double
            let lanesCPUPercent: Double
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Body(scenario: scenario.name, countries: cast.countries.count, nodes: cast.nodeCount, speed: speed, seed: seed,
                                       realSeconds: realSeconds, plantedCases: cases,
                                       travellers: posts.reduce(0) { $0 + $1.counts.travellers }, hits: posts.reduce(0) { $0 + $1.counts.hitsReported },
                                       auditIntact: audit.intact, auditVerdict: audit.line, injects: injects,
                                       keptRealTime: keptUp, maxLagMillis: realTime.maxLagMillis, nexdCPUPercent: realTime.nexdCPU,
                                       lanesCPUPercent: realTime.lanesCPU))
    }
}
