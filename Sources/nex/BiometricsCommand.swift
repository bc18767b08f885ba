import ArgumentParser
import Foundation
import NexAgents

/// `nex biometrics sweep`: the synthetic biometric model's error rates over a range of thresholds
/// (a DET-style table, docs/BIOMETRICS.md).
struct BiometricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "biometrics",
        abstract: "The synthetic face and fingerprint model border-post agents match with.",
        subcommands: [Sweep.self]
    )

    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print false match and false non-match rates over a range of thresholds (a DET-style table).",
            discussion: """
                Draws a population with --seed (the same seed, the same table), captures each person once and \
                compares the capture with the person's own template (genuine) and with --impostors others' \
                (impostor). The model and its default thresholds are in docs/BIOMETRICS.md.
                """
        )

        @Option(help: "face or fingerprint.") var modality: String = "face"
        @Option(help: "People in the population.") var people: Int = 2_000
        @Option(help: "Impostor comparisons per person.") var impostors: Int = 100
        @Option(help: "Lowest threshold.") var from: Double = 0.20
        @Option(help: "Highest threshold.") var to: Double = 0.60
        @Option(help: "Step between thresholds.") var step: Double = 0.04
        @Option(help: "Random seed.") var seed: UInt64 = 1

        func validate() throws {
            guard BiometricModel.Modality(rawValue: modality) != nil else { throw ValidationError("--modality must be face or fingerprint") }
            guard people >= 2, impostors >= 1 else { throw ValidationError("--people needs at least 2 and --impostors at least 1") }
            guard step > 0, from <= to, (-1...1).contains(from), (-1...1).contains(to) else {
                throw ValidationError("thresholds are similarities in -1…1: give --from ≤ --to and a positive --step")
            }
        }

        func run() throws {
            let model = BiometricModel.of(BiometricModel.Modality(rawValue: modality)!)
            let thresholds = Array(stride(from: from, through: to + step / 2, by: step))
            let rows = model.sweep(thresholds: thresholds, people: people, impostorsPerPerson: impostors, seed: seed)
            print("\(model.modality.rawValue): \(model.dimension) components, capture noise σ \(model.noise.lowerBound)–\(model.noise.upperBound), default threshold \(model.defaultThreshold)")
            print("threshold  false match rate (FMR)          false non-match rate (FNMR)")
            for row in rows {
                let mark = abs(row.threshold - model.defaultThreshold) < step / 2 ? "  ← default" : ""
                let fmr = "\(String(format: "%.2e", row.falseMatchRate)) (\(row.falseMatches)/\(row.impostorComparisons))"
                let fnmr = "\(String(format: "%.4f", row.falseNonMatchRate)) (\(row.falseNonMatches)/\(row.genuineComparisons))"
                print(String(format: "%9.2f  ", row.threshold) + fmr.padding(toLength: 30, withPad: " ", startingAt: 0) + "  " + fnmr + mark)
            }
        }
    }
}
