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

        enum CodingKeys: String, CodingKey { case name, detected, method, observedAt, reason }
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
    /// What the injects did, in order.
    var injects: [String] = []

    var text: String {
        var lines = ["\(scenario.name): \(cast.countries.count) countries, \(cast.nodeCount) nodes, day \(scenario.day.start)–\(scenario.day.end) at ×\(Int(speed)) in \(Int(realSeconds)) s (seed \(seed))"]
        for item in cases { lines.append("  \(item.detected ? "DETECTED" : "MISSED  ") \(item.name): \(item.reason)") }
        let counts = posts.map(\.counts)
        let face = posts.reduce(BiometricTally.Counts()) { $0 + $1.tally.face }
        let fingerprint = posts.reduce(BiometricTally.Counts()) { $0 + $1.tally.fingerprint }
        lines.append("  travellers \(counts.reduce(0) { $0 + $1.travellers }), hits \(counts.reduce(0) { $0 + $1.hitsReported }) "
            + "(\(counts.reduce(0) { $0 + $1.falseAlarms }) on travellers who were not the record's person)")
        lines.append("  biometrics: face \(face.falseNonMatches)/\(face.genuine) false non-matches, \(face.falseMatches)/\(face.impostor) false matches; "
            + "fingerprint \(fingerprint.falseNonMatches)/\(fingerprint.genuine), \(fingerprint.falseMatches)/\(fingerprint.impostor)")
        for line in injects { lines.append("  inject: \(line)") }
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
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Body(scenario: scenario.name, countries: cast.countries.count, nodes: cast.nodeCount, speed: speed, seed: seed,
                                       realSeconds: realSeconds, plantedCases: cases,
                                       travellers: posts.reduce(0) { $0 + $1.counts.travellers }, hits: posts.reduce(0) { $0 + $1.counts.hitsReported },
                                       auditIntact: audit.intact, auditVerdict: audit.line, injects: injects))
    }
}
