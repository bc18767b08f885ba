/// A border post's biometric error counts against the truth the simulation knows (issue 16 §3):
/// each comparison of a capture with a record's template is genuine (the traveller is that
/// record's person) or an impostor comparison; a genuine one below the threshold is a false
/// non-match, an impostor one at or above it a false match.
public struct BiometricTally: Sendable, Equatable, Codable {
    public struct Counts: Sendable, Equatable, Codable {
        public var genuine = 0
        public var falseNonMatches = 0
        public var impostor = 0
        public var falseMatches = 0

        public init() {}

        /// The sum of two counts.
        public static func + (a: Counts, b: Counts) -> Counts {
            var sum = a
            sum.genuine += b.genuine
            sum.falseNonMatches += b.falseNonMatches
            sum.impostor += b.impostor
            sum.falseMatches += b.falseMatches
            return sum
        }

        public var falseNonMatchRate: Double { genuine == 0 ? 0 : Double(falseNonMatches) / Double(genuine) }
        public var falseMatchRate: Double { impostor == 0 ? 0 : Double(falseMatches) / Double(impostor) }
    }

    public var face = Counts()
    public var fingerprint = Counts()

    public init() {}

    /// Counts the comparisons made for a traveller who is `truth`.
    public mutating func count(_ comparisons: [BorderCheck.Comparison], truth: Traveller.Truth, check: BorderCheck) {
        for comparison in comparisons {
            let isGenuine = truth.recordID == comparison.recordID
            let matched = comparison.similarity >= check.threshold(comparison.modality)
            var counts = comparison.modality == .face ? face : fingerprint
            if isGenuine {
                counts.genuine += 1
                if !matched { counts.falseNonMatches += 1 }
            } else {
                counts.impostor += 1
                if matched { counts.falseMatches += 1 }
            }
            if comparison.modality == .face { face = counts } else { fingerprint = counts }
        }
    }
}
