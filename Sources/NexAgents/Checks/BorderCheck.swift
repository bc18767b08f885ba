import NexNotices

/// One way a traveller matched a watchlist record.
public struct CheckMatch: Sendable, Equatable {
    /// How, strongest first (the order in which a hit names its method).
    public enum Method: String, Sendable, Equatable, Codable, CaseIterable, Comparable {
        case document
        case fingerprint
        case face
        case nominal

        public static func < (lhs: Method, rhs: Method) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public let recordID: String
    public let method: Method
    /// The similarity of a biometric match.
    public let similarity: Double?
    /// The strength of a nominal match.
    public let strength: NominalMatcher.Strength?
}

/// The decoded templates and keyed names of the watchlist's persons, kept beside it (worked out once per record).
public struct TemplateCache: Sendable {
    public private(set) var templates: [String: [BiometricModel.Modality: BiometricTemplate]] = [:]
    /// The persons' names as keys, by entry id.
    public private(set) var names: [String: NominalMatcher.NameKeys] = [:]

    public init(_ watchlist: Watchlist = Watchlist()) {
        for entry in watchlist.entries.values { refresh(entry) }
    }

    /// Decodes (again) the templates of `entry` and keys its person's names.
    public mutating func refresh(_ entry: WatchlistEntry) {
        var decoded: [BiometricModel.Modality: BiometricTemplate] = [:]
        for modality in BiometricModel.Modality.allCases {
            let text = modality == .face ? entry.person?.face : entry.person?.fingerprint
            if let text, let template = BiometricTemplate(base64: text, dimension: BiometricModel.of(modality).dimension) {
                decoded[modality] = template
            }
        }
        templates[entry.id] = decoded.isEmpty ? nil : decoded
        names[entry.id] = entry.person.map(NominalMatcher.NameKeys.init)
    }

    /// Forgets what was kept for record `id` (cancelled, withdrawn, expired).
    public mutating func remove(_ id: String) {
        templates[id] = nil
        names[id] = nil
    }
}

/// A border post's checks of one traveller (issue 16 §3): the travel document against lost and
/// stolen document records, the names and date of birth against the persons of notices and
/// diffusions (``NominalMatcher``), and the face and fingerprint captures against the templates
/// those records carry (never against a lost document's lawful holder), matching at or above a threshold. Pure: the watchlist in, matches and the
/// biometric comparisons out.
public struct BorderCheck: Sendable, Equatable {
    public var faceThreshold: Double
    public var fingerprintThreshold: Double

    public init(faceThreshold: Double = BiometricModel.face.defaultThreshold,
                fingerprintThreshold: Double = BiometricModel.fingerprint.defaultThreshold) {
        self.faceThreshold = faceThreshold
        self.fingerprintThreshold = fingerprintThreshold
    }

    public func threshold(_ modality: BiometricModel.Modality) -> Double {
        modality == .face ? faceThreshold : fingerprintThreshold
    }

    /// One biometric comparison made: which record, which modality, the similarity.
    public struct Comparison: Sendable, Equatable {
        public let recordID: String
        public let modality: BiometricModel.Modality
        public let similarity: Double
    }

    /// Whether names and biometrics are checked against `entry`'s person: a person sought by a
    /// notice or a diffusion — not the lawful holder of a lost or stolen document (a victim, whose
    /// own travel is no hit), not the body of a Black Notice.
    public static func isSought(_ entry: WatchlistEntry) -> Bool {
        entry.person != nil && entry.kind != NoticeKind.sltd.rawValue && entry.kind != NoticeKind.black.rawValue
    }

    /// Every match of `traveller` (any order) and every biometric comparison made.
    public func run(_ traveller: Traveller, against watchlist: Watchlist, templates: TemplateCache) -> (matches: [CheckMatch], comparisons: [Comparison]) {
        var matches: [CheckMatch] = []
        if let record = watchlist.document(traveller.documentNumber, issuedBy: traveller.documentCountry) {
            matches.append(CheckMatch(recordID: record.id, method: .document, similarity: nil, strength: nil))
        }
        for (entry, strength) in NominalMatcher.matches(of: traveller.person, in: watchlist, keys: templates.names) where Self.isSought(entry) {
            matches.append(CheckMatch(recordID: entry.id, method: .nominal, similarity: nil, strength: strength))
        }
        var comparisons: [Comparison] = []
        for (id, byModality) in templates.templates.sorted(by: { $0.key < $1.key }) {
            guard let entry = watchlist.entries[id], Self.isSought(entry) else { continue }
            for (modality, template) in byModality.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                let capture = modality == .face ? traveller.face : traveller.fingerprint
                let similarity = capture.similarity(to: template)
                comparisons.append(Comparison(recordID: id, modality: modality, similarity: similarity))
                if similarity >= threshold(modality) {
                    matches.append(CheckMatch(recordID: id, method: modality == .face ? .face : .fingerprint, similarity: similarity, strength: nil))
                }
            }
        }
        return (matches, comparisons)
    }
}
