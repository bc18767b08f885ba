import NexNotices

/// The travellers presenting at one border post, one after another (issue 16 §3): deterministic
/// for a seed — traveller *i* of a post is drawn from its own generator, seeded from the stream's
/// seed, the post and *i*, so a restarted agent (which keeps ``nextIndex``) and a repeated
/// simulation see the same people. Most travellers are ordinary people drawn from the same
/// distribution as everyone else (the impostors of docs/BIOMETRICS.md); a share are persons or
/// documents of the watchlist, in a ``Traveller/Disguise`` drawn at random; planted travellers
/// (``plant(_:)``) come as soon as their record is on the watchlist, the *n*-th drawn from a
/// generator of its own (seeded from the seed, the post and *n*), so how they are captured does
/// not depend on when they come.
public struct TravellerStream: Sendable, Equatable, Codable {
    /// A planted traveller: the person (or document) of record `recordID` — or of the first
    /// record held of that kind (`red`, `sltd`, …) not planted yet — presenting as `disguise`.
    public struct Plant: Sendable, Equatable, Codable {
        public let recordID: String
        public let disguise: Traveller.Disguise

        public init(recordID: String, disguise: Traveller.Disguise) {
            self.recordID = recordID
            self.disguise = disguise
        }

        /// Whether `recordID` names a kind rather than a record.
        var isKind: Bool { NoticeKind(rawValue: recordID) != nil }
    }

    public let seed: UInt64
    public let post: String
    /// The post's country, the nationality of most travellers.
    public let country: String
    /// Other nationalities seen at the post (the far side of its crossing, neighbours).
    public let otherCountries: [String]
    /// The chance that a traveller is a person or a document of the watchlist (0…1).
    public let watchlistedShare: Double
    /// The index of the next traveller.
    public private(set) var nextIndex = 0
    /// Planted travellers still to come.
    public private(set) var plants: [Plant] = []
    /// Planted travellers who came.
    public private(set) var plantsCome = 0
    /// The plants asked for so far (a plant asked again, after a restart, is not queued twice).
    public private(set) var plantsAsked: [Plant] = []
    /// The records planted travellers came as.
    public private(set) var plantedRecords: [String] = []

    public init(seed: UInt64, post: String, country: String, otherCountries: [String] = [], watchlistedShare: Double = 0.01) {
        self.seed = seed
        self.post = post
        self.country = country
        self.otherCountries = otherCountries
        self.watchlistedShare = min(max(watchlistedShare, 0), 1)
    }

    /// Queues a planted traveller; they present as soon as the record is on the watchlist. The same
    /// plant asked again (the same command run after a restart) is not queued twice: false then.
    @discardableResult
    public mutating func plant(_ plant: Plant) -> Bool {
        guard !plantsAsked.contains(plant) else { return false }
        plantsAsked.append(plant)
        plants.append(plant)
        return true
    }

    /// The record a plant presents as, when the watchlist holds it.
    private func record(for plant: Plant, in watchlist: Watchlist) -> WatchlistEntry? {
        guard plant.isKind else { return watchlist.entries[plant.recordID].flatMap { Self.canPresent($0) ? $0 : nil } }
        return watchlist.inArrivalOrder.first { $0.kind == plant.recordID && Self.canPresent($0) && !plantedRecords.contains($0.id) }
    }

    /// The next traveller, given what the watchlist holds now.
    public mutating func next(watchlist: Watchlist) -> Traveller {
        let index = nextIndex
        nextIndex += 1
        var generator = SeededGenerator(seed: Self.seed(seed, post: post, index: index))
        if let planted = plants.firstIndex(where: { record(for: $0, in: watchlist) != nil }) {
            let plant = plants.remove(at: planted)
            let entry = record(for: plant, in: watchlist)!
            // Drawn from the plant's own generator, not the index's: when a planted person comes
            // depends on when the record arrived, what they look like must not.
            var planted = SeededGenerator(seed: Self.seed(seed, post: post + "#plant", index: plantsCome))
            plantsCome += 1
            plantedRecords.append(entry.id)
            return traveller(index, as: entry, plant.disguise, using: &planted)
        }
        let draw = Double.random(in: 0..<1, using: &generator)
        if draw < watchlistedShare, let entry = Self.presentable(in: watchlist).randomElement(using: &generator) {
            let disguise: Traveller.Disguise = entry.kind == NoticeKind.sltd.rawValue ? .stolenDocument
                : [.trueName, .transliterated, .alias].randomElement(using: &generator)!
            return traveller(index, as: entry, disguise, using: &generator)
        }
        return ordinary(index, using: &generator)
    }

    /// The records someone can present as, in an order that depends on what they hold (document,
    /// names, date of birth), not on when they arrived: two runs of one simulation whose records
    /// arrived in another order draw the same person.
    static func presentable(in watchlist: Watchlist) -> [WatchlistEntry] {
        func key(_ entry: WatchlistEntry) -> [String] {
            [entry.kind, entry.documentNumber ?? "", entry.person?.familyName ?? "", entry.person?.forenames ?? "",
             entry.person?.dateOfBirth ?? "", entry.id]
        }
        return watchlist.entries.values.filter { canPresent($0) }.sorted { key($0).lexicographicallyPrecedes(key($1)) }
    }

    /// Whether someone can present as `entry`: a lost or stolen document, or a living person.
    static func canPresent(_ entry: WatchlistEntry) -> Bool {
        entry.kind == NoticeKind.sltd.rawValue ? entry.documentNumber != nil : BorderCheck.isSought(entry)
    }

    private func nationality(using generator: inout SeededGenerator) -> String {
        otherCountries.isEmpty || Int.random(in: 0..<5, using: &generator) < 3 ? country : otherCountries.randomElement(using: &generator)!
    }

    private func ordinary(_ index: Int, using generator: inout SeededGenerator) -> Traveller {
        let nationality = nationality(using: &generator)
        let (person, sex) = SyntheticPeople.person(nationality: nationality, using: &generator)
        return Traveller(index: index, person: person, sex: sex, documentNumber: SyntheticPeople.documentNumber(using: &generator),
                         documentCountry: nationality, face: Self.stranger(.face, using: &generator),
                         fingerprint: Self.stranger(.fingerprint, using: &generator), truth: .ordinary)
    }

    /// A capture of someone new: an impostor to every template on the watchlist.
    private static func stranger(_ modality: BiometricModel.Modality, using generator: inout SeededGenerator) -> BiometricTemplate {
        let model = BiometricModel.of(modality)
        return model.capture(of: model.template(using: &generator), using: &generator)
    }

    /// A capture of the person whose template the notice carries, or of a stranger when it carries none.
    private static func capture(_ modality: BiometricModel.Modality, of text: String?, using generator: inout SeededGenerator) -> BiometricTemplate {
        let model = BiometricModel.of(modality)
        guard let text, let template = BiometricTemplate(base64: text, dimension: model.dimension) else { return stranger(modality, using: &generator) }
        return model.capture(of: template, using: &generator)
    }

    private func traveller(_ index: Int, as entry: WatchlistEntry, _ disguise: Traveller.Disguise, using generator: inout SeededGenerator) -> Traveller {
        // A document record is always carried by an impostor (its holder is a victim, not sought);
        // a person cannot present as a stolen document: they come under their true name instead.
        let disguise = entry.kind == NoticeKind.sltd.rawValue ? .stolenDocument : disguise == .stolenDocument ? .trueName : disguise
        let truth = Traveller.Truth.watchlisted(id: entry.id, disguise: disguise)
        if disguise == .stolenDocument {
            // An impostor carrying the lost or stolen document.
            let carrier = ordinary(index, using: &generator)
            return Traveller(index: index, person: carrier.person, sex: carrier.sex,
                             documentNumber: entry.documentNumber ?? carrier.documentNumber,
                             documentCountry: entry.ownerCountry ?? carrier.documentCountry,
                             face: carrier.face, fingerprint: carrier.fingerprint, truth: .watchlisted(id: entry.id, disguise: .stolenDocument))
        }
        let wanted = entry.person!
        let face = Self.capture(.face, of: wanted.face, using: &generator)
        let fingerprint = Self.capture(.fingerprint, of: wanted.fingerprint, using: &generator)
        let nationality = wanted.nationalities.first ?? country
        var person = wanted
        person.face = nil
        person.fingerprint = nil
        var sex = wanted.sex ?? "U"
        switch disguise {
        case .trueName, .stolenDocument:
            break
        case .transliterated:
            person.familyName = NameVariant.variant(of: wanted.familyName)
            person.forenames = NameVariant.variant(of: wanted.forenames)
        case .alias:
            let alias = SyntheticPeople.person(nationality: nationality, using: &generator)
            person = alias.person
            sex = alias.sex
        }
        return Traveller(index: index, person: person, sex: sex, documentNumber: SyntheticPeople.documentNumber(using: &generator),
                         documentCountry: nationality, face: face, fingerprint: fingerprint, truth: truth)
    }

    /// Traveller `index`'s seed: FNV-1a of the post id mixed with the stream seed and the index
    /// (not `Hasher`, which is seeded per process). Other agents seed what they publish with
    /// `index` 0 and their node id, so two nodes given one seed draw different people.
    public static func seed(_ seed: UInt64, post: String, index: Int) -> UInt64 {
        var mixer = SeededGenerator(seed: seed ^ SeededGenerator.fnv1a(post.utf8) ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15))
        return mixer.next()
    }
}
