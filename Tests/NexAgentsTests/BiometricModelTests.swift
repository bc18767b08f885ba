import Testing
@testable import NexAgents

/// The synthetic biometrics (docs/BIOMETRICS.md): deterministic for a seed, impostors near
/// orthogonal, and at the default thresholds both error rates measurable and small — a model that
/// made either zero would teach nothing about a border check.
@Suite struct BiometricModelTests {
    @Test func theSameSeedGivesTheSamePeopleAndCaptures() {
        for model in BiometricModel.Modality.allCases.map(BiometricModel.of) {
            var first = SeededGenerator(seed: 42)
            var second = SeededGenerator(seed: 42)
            var other = SeededGenerator(seed: 43)
            let person = model.template(using: &first)
            #expect(person == model.template(using: &second))
            #expect(person != model.template(using: &other))
            #expect(model.capture(of: person, using: &first) == model.capture(of: person, using: &second))
            #expect(person.values.count == model.dimension)
            #expect(abs(person.similarity(to: person) - 1) < 1e-5)
        }
    }

    @Test(arguments: BiometricModel.Modality.allCases)
    func impostorsAreNearlyOrthogonal(_ modality: BiometricModel.Modality) {
        let model = BiometricModel.of(modality)
        let (_, impostor) = model.scores(people: 500, impostorsPerPerson: 40, seed: 7)
        let mean = impostor.reduce(0, +) / Double(impostor.count)
        let deviation = (impostor.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(impostor.count)).squareRoot()
        let expected = 1 / Double(model.dimension).squareRoot()
        #expect(abs(mean) < 0.01, "mean \(mean)")
        #expect(abs(deviation - expected) / expected < 0.1, "deviation \(deviation), expected \(expected)")
    }

    /// 2,000 people, 200,000 impostor comparisons: face FMR 7e-5 / FNMR 1.95 %, fingerprint FMR
    /// 1.05e-4 / FNMR 2.2 % with seed 1 (a larger sample in docs/BIOMETRICS.md: 1.1e-4 / 1.4 % and
    /// 1.2e-4 / 2.0 %); asserted as ranges, so that a retuned model stays within what a border check
    /// would accept.
    @Test(arguments: BiometricModel.Modality.allCases)
    func theDefaultThresholdHasSmallNonZeroErrorRates(_ modality: BiometricModel.Modality) throws {
        let model = BiometricModel.of(modality)
        let rates = try #require(model.sweep(thresholds: [model.defaultThreshold]).first)
        #expect(rates.genuineComparisons == 2_000 && rates.impostorComparisons == 200_000)
        #expect(rates.falseMatches > 0 && rates.falseMatchRate < 1e-3, "FMR \(rates.falseMatchRate)")
        #expect(rates.falseNonMatchRate > 0.005 && rates.falseNonMatchRate < 0.05, "FNMR \(rates.falseNonMatchRate)")
    }

    /// The trade-off over one population (monotone by construction; what is tested is that it spans
    /// from many false matches to many false non-matches across the sweep).
    @Test(arguments: BiometricModel.Modality.allCases)
    func aHigherThresholdTradesFalseMatchesForFalseNonMatches(_ modality: BiometricModel.Modality) {
        let rows = BiometricModel.of(modality).sweep(thresholds: stride(from: 0.2, through: 0.7, by: 0.05).map { $0 }, people: 500, impostorsPerPerson: 50)
        for (lower, higher) in zip(rows, rows.dropFirst()) {
            #expect(higher.falseMatches <= lower.falseMatches)
            #expect(higher.falseNonMatches >= lower.falseNonMatches)
        }
        #expect(rows.first!.falseMatches > rows.last!.falseMatches && rows.first!.falseNonMatches < rows.last!.falseNonMatches)
    }
}

/// Templates as notices carry them (`subject.biometrics`, D64): base64 of one signed byte per
/// component, valid for the notice schema, decoded to nearly the same direction.
@Suite struct BiometricTemplateEncodingTests {
    @Test(arguments: BiometricModel.Modality.allCases)
    func aTemplateSurvivesTheRoundTrip(_ modality: BiometricModel.Modality) throws {
        let model = BiometricModel.of(modality)
        var generator = SeededGenerator(seed: 9)
        let template = model.template(using: &generator)
        let text = template.base64Encoded
        #expect(text.utf8.count == (model.dimension + 2) / 3 * 4)
        let decoded = try #require(BiometricTemplate(base64: text, dimension: model.dimension))
        #expect(decoded.similarity(to: template) > 0.999)
        #expect(BiometricTemplate(base64: text, dimension: model.dimension + 1) == nil)
        #expect(BiometricTemplate(base64: "not base64", dimension: model.dimension) == nil)
    }
}
