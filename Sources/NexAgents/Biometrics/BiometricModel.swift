/// How synthetic biometrics are made and compared, per modality (docs/BIOMETRICS.md):
///
/// - a person's **template** is a direction drawn uniformly on the unit sphere of `dimension`
///   components (independent standard normal components, normalised): two people's templates are
///   nearly orthogonal, their cosine similarity about N(0, 1/dimension);
/// - a **capture** at a border post is the person's template plus independent Gaussian noise on every
///   component, normalised; each capture's noise level is σ = σmin + (σmax − σmin)·u³ with u
///   uniform in [0, 1) (`noise` = σmin…σmax): most captures are good, a few poor (lighting, pose,
///   worn fingers). A capture with noise σ has a similarity to its template of about
///   1 / √(1 + dimension·σ²);
/// - an **impostor** is another person from the same distribution, captured the same way;
/// - a capture **matches** a template when their similarity is at least the threshold.
///
/// The noise range is wide enough that some genuine captures fall below the default threshold
/// (false non-matches) and, over many comparisons, some impostors rise above it (false matches):
/// neither error rate is zero, as at a real border.
public struct BiometricModel: Sendable, Equatable {
    /// What is captured.
    public enum Modality: String, Sendable, CaseIterable, Codable {
        case face
        case fingerprint
    }

    public let modality: Modality
    /// Components per template.
    public let dimension: Int
    /// The range of a capture's per-component noise standard deviation (skewed to the low end).
    public let noise: ClosedRange<Double>
    /// The similarity at or above which a capture matches a template by default.
    public let defaultThreshold: Double

    public init(modality: Modality, dimension: Int, noise: ClosedRange<Double>, defaultThreshold: Double) {
        self.modality = modality
        self.dimension = dimension
        self.noise = noise
        self.defaultThreshold = defaultThreshold
    }

    /// Faces: 128 components, σ 0.04–0.23 (genuine similarity ~0.91 down to ~0.36), threshold 0.32.
    public static let face = BiometricModel(modality: .face, dimension: 128, noise: 0.04...0.23, defaultThreshold: 0.32)
    /// Fingerprints: 64 components, σ 0.05–0.23 (genuine similarity ~0.93 down to ~0.48), threshold 0.44.
    public static let fingerprint = BiometricModel(modality: .fingerprint, dimension: 64, noise: 0.05...0.23, defaultThreshold: 0.44)

    /// The model of `modality`.
    public static func of(_ modality: Modality) -> BiometricModel {
        switch modality {
        case .face: face
        case .fingerprint: fingerprint
        }
    }

    /// A new person's template.
    public func template(using generator: inout SeededGenerator) -> BiometricTemplate {
        BiometricTemplate(normalizing: (0..<dimension).map { _ in Float(generator.nextGaussian()) })
    }

    /// A capture of the person whose template is `template`, with a noise level drawn from `noise`.
    public func capture(of template: BiometricTemplate, using generator: inout SeededGenerator) -> BiometricTemplate {
        let u = Double.random(in: 0..<1, using: &generator)
        let sigma = noise.lowerBound + (noise.upperBound - noise.lowerBound) * u * u * u
        return BiometricTemplate(normalizing: template.values.map { $0 + Float(sigma * generator.nextGaussian()) })
    }
}
