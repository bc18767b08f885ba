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
        /// The case's record (message id).
        var recordID: String?
        /// The hit on the record that reached its owner (message id).
        var hitID: String?
        /// `nex audit trace` of the hit (of the record when there is none), its deliveries shortened.
        var trace: String?

        enum CodingKeys: String, CodingKey {
            case name, detected, method, observedAt, reason, checkToOwnerMillis, watchlistMillis, recordID, hitID, trace
        }

        /// The message whose trace tells the case: the hit, else the record.
        var tracedID: String? { hitID ?? recordID }

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
    var cases: [CaseOutcome]
    let posts: [BorderPostAgent.State]
    /// `nex audit verify` on the day's log afterwards.
    var audit: (intact: Bool, line: String) = (false, "not verified")
    /// False with --server: the log is not this run's to verify.
    var auditChecked = true
    /// What the injects did, in order.
    var injects: [String] = []
    /// How far the posts' checks ever fell behind the simulated clock (real ms); nexd's and this
    /// process's CPU (% of one core).
    var realTime: (maxLagMillis: Int64, nexdCPU: Double, lanesCPU: Double) = (0, 0, 0)
    /// Whether the day ran in real time: the checks never more than a second behind the simulated clock.
    var keptUp: Bool { realTime.maxLagMillis <= 1_000 }
    /// Records that did not reach a post within the ledger's patience: outcomes may then differ between runs.
    var lateDeliveries: [String] = []
    /// Every hit of the day: check → the owner NCB's receipt; every record: acceptance → each post's watchlist.
    var checkToOwner: [LatencySample] = []
    var publicationToPost: [LatencySample] = []

    /// One latency, at the simulated minute it began.
    struct LatencySample {
        let minute: Double
        let millis: Int64
    }

    /// Percentiles of a set of latencies (nearest rank).
    struct Percentiles: Encodable, Equatable {
        let count: Int
        let p50: Int64
        let p90: Int64
        let p99: Int64
        let max: Int64

        init?(_ samples: [LatencySample]) {
            guard !samples.isEmpty else { return nil }
            let sorted = samples.map(\.millis).sorted()
            func rank(_ p: Double) -> Int64 { sorted[Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
            count = sorted.count
            p50 = rank(0.5)
            p90 = rank(0.9)
            p99 = rank(0.99)
            max = sorted.last!
        }

        var text: String { "p50 \(p50) ms, p90 \(p90) ms, p99 \(p99) ms, max \(max) ms (\(count))" }
    }

    var text: String {
        var lines = ["\(scenario.name): \(cast.countries.count) countries, \(cast.nodeCount) nodes, day \(scenario.day.start)–\(scenario.day.end) at ×\(Int(speed)) in \(Int(realSeconds)) s (seed \(seed))"]
        for item in cases {
            var line = "  \(item.detected ? "DETECTED" : "MISSED  ") \(item.name): \(item.reason)"
            if let millis = item.checkToOwnerMillis { line += " \(millis) ms after the check" }
            if let watchlist = item.watchlistText { line += "; record \(watchlist)" }
            lines.append(line)
            if let trace = item.trace {
                lines += trace.split(separator: "\n", omittingEmptySubsequences: true).map { "      " + $0 }
            } else if let id = item.tracedID {
                lines.append("      trace: nex audit trace \(id) (where nexd keeps its log)")
            }
        }
        let counts = posts.map(\.counts)
        let face = posts.reduce(BiometricTally.Counts()) { $0 + $1.tally.face }
        let fingerprint = posts.reduce(BiometricTally.Counts()) { $0 + $1.tally.fingerprint }
        lines.append("  travellers \(counts.reduce(0) { $0 + $1.travellers }), hits \(counts.reduce(0) { $0 + $1.hitsReported }) "
            + "(\(counts.reduce(0) { $0 + $1.falseAlarms }) on travellers who were not the record's person)")
        lines.append("  biometrics: face \(face.falseNonMatches)/\(face.genuine) false non-matches, \(face.falseMatches)/\(face.impostor) false matches; "
            + "fingerprint \(fingerprint.falseNonMatches)/\(fingerprint.genuine), \(fingerprint.falseMatches)/\(fingerprint.impostor)")
        lines.append("  latency over the day: check → hit at the owner NCB " + (Percentiles(checkToOwner)?.text ?? "(no hits)")
            + "; publication → a post " + (Percentiles(publicationToPost)?.text ?? "(no records)"))
        for line in injects { lines.append("  inject: \(line)") }
        let perSecond = Double(posts.reduce(0) { $0 + $1.counts.travellers }) / max(realSeconds, 0.001)
        lines.append("  real time: \(keptUp ? "kept" : "NOT kept") — the checks at most \(realTime.maxLagMillis) ms behind the simulated clock; "
            + "\(cast.nodeCount) nodes, \(Int(perSecond)) travellers/s; nexd CPU \(auditChecked ? "\(Int(realTime.nexdCPU)) %" : "not measured (--server)"), lanes \(Int(realTime.lanesCPU)) % of one core")
        if !lateDeliveries.isEmpty {
            lines.append("  NOT reproducible: \(lateDeliveries.count) records reached a post late (\(lateDeliveries.prefix(3).joined(separator: "; "))); "
                + "another run with this seed may differ")
        }
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
            /// Hits on a record the traveller was not.
            let falseAlarms: Int
            /// Travellers who were a watchlisted person or document, and how many of them a check caught.
            let watchlisted: Int
            let watchlistedDetected: Int
            let biometrics: [String: BiometricTally.Counts]
            /// Records that reached a post late: when not empty, another run with the seed may differ.
            let lateDeliveries: [String]
            /// Over the whole day, real ms: check → hit at the owner NCB; publication → a post.
            let latencies: [String: Percentiles]
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
                                       falseAlarms: posts.reduce(0) { $0 + $1.counts.falseAlarms },
                                       watchlisted: posts.reduce(0) { $0 + $1.counts.watchlisted },
                                       watchlistedDetected: posts.reduce(0) { $0 + $1.counts.detected },
                                       biometrics: ["face": posts.reduce(BiometricTally.Counts()) { $0 + $1.tally.face },
                                                    "fingerprint": posts.reduce(BiometricTally.Counts()) { $0 + $1.tally.fingerprint }],
                                       lateDeliveries: lateDeliveries,
                                       latencies: ["checkToOwner": Percentiles(checkToOwner), "publicationToPost": Percentiles(publicationToPost)]
                                           .compactMapValues { $0 },
                                       auditIntact: audit.intact, auditVerdict: audit.line, injects: injects,
                                       keptRealTime: keptUp, maxLagMillis: realTime.maxLagMillis, nexdCPUPercent: realTime.nexdCPU,
                                       lanesCPUPercent: realTime.lanesCPU))
    }
}
