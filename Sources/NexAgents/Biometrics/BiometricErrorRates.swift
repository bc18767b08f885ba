/// Measured error rates of a biometric model at one threshold: genuine comparisons (a capture
/// against its own person's template) that failed, and impostor comparisons (a capture against
/// another person's template) that matched.
public struct BiometricErrorRates: Sendable, Equatable {
    public let threshold: Double
    public let genuineComparisons: Int
    public let falseNonMatches: Int
    public let impostorComparisons: Int
    public let falseMatches: Int

    /// False non-match rate (FNMR): genuine comparisons below the threshold.
    public var falseNonMatchRate: Double { genuineComparisons == 0 ? 0 : Double(falseNonMatches) / Double(genuineComparisons) }
    /// False match rate (FMR): impostor comparisons at or above the threshold.
    public var falseMatchRate: Double { impostorComparisons == 0 ? 0 : Double(falseMatches) / Double(impostorComparisons) }
}

extension BiometricModel {
    /// The similarities of `people` genuine and `people × impostorsPerPerson` impostor comparisons
    /// from a population drawn with `seed` (each person captured once; each capture compared with
    /// its own template and with the templates of `impostorsPerPerson` others).
    public func scores(people: Int, impostorsPerPerson: Int, seed: UInt64) -> (genuine: [Double], impostor: [Double]) {
        var generator = SeededGenerator(seed: seed)
        let templates = (0..<people).map { _ in template(using: &generator) }
        var genuine: [Double] = []
        var impostor: [Double] = []
        genuine.reserveCapacity(people)
        impostor.reserveCapacity(people * impostorsPerPerson)
        for (index, person) in templates.enumerated() {
            let captured = capture(of: person, using: &generator)
            genuine.append(captured.similarity(to: person))
            // Never the person's own template: at most people − 1 others.
            let others = min(impostorsPerPerson, people - 1)
            guard others > 0 else { continue }
            for step in 1...others {
                impostor.append(captured.similarity(to: templates[(index + step) % people]))
            }
        }
        return (genuine, impostor)
    }

    /// The error rates at each of `thresholds` over one population (a DET-style sweep: as the
    /// threshold rises, false matches fall and false non-matches rise).
    public func sweep(thresholds: [Double], people: Int = 2_000, impostorsPerPerson: Int = 100, seed: UInt64 = 1) -> [BiometricErrorRates] {
        let (genuine, impostor) = scores(people: people, impostorsPerPerson: impostorsPerPerson, seed: seed)
        return thresholds.map { threshold in
            BiometricErrorRates(threshold: threshold, genuineComparisons: genuine.count, falseNonMatches: genuine.filter { $0 < threshold }.count,
                                impostorComparisons: impostor.count, falseMatches: impostor.filter { $0 >= threshold }.count)
        }
    }
}
