/// A synthetic biometric template: a unit vector of fixed length (a face or fingerprint
/// embedding). Compared by cosine similarity (docs/BIOMETRICS.md).
public struct BiometricTemplate: Sendable, Equatable {
    /// The components, of unit length.
    public let values: [Float]

    /// `values` scaled to unit length (a zero vector stays zero).
    public init(normalizing values: [Float]) {
        let norm = values.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        self.values = norm > 0 ? values.map { $0 / norm } : values
    }

    /// Cosine similarity in [−1, 1]; 0 for templates of different lengths.
    public func similarity(to other: BiometricTemplate) -> Double {
        guard values.count == other.values.count else { return 0 }
        var sum: Float = 0
        for index in values.indices { sum += values[index] * other.values[index] }
        return Double(sum)
    }
}
