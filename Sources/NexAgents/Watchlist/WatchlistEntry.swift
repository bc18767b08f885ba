/// One record a border post checks travellers against (issue 16 §3): a wanted or missing person
/// from a notice or diffusion, or a lost or stolen travel document. What it holds is what the
/// checks need — names, date of birth, templates, a document number — and where a hit goes.
public struct WatchlistEntry: Codable, Sendable, Equatable {
    /// A person as a check reads them.
    public struct Person: Codable, Sendable, Equatable {
        public var familyName: String
        public var forenames: String
        /// `YYYY-MM-DD`, when known.
        public var dateOfBirth: String?
        public var nationalities: [String]
        /// `M`, `F` or `U`, when known.
        public var sex: String?
        /// Base64 templates as notices carry them (docs/BIOMETRICS.md), when the notice has them.
        public var face: String?
        public var fingerprint: String?

        public init(familyName: String, forenames: String, dateOfBirth: String? = nil, nationalities: [String] = [],
                    face: String? = nil, fingerprint: String? = nil, sex: String? = nil) {
            self.familyName = familyName
            self.forenames = forenames
            self.dateOfBirth = dateOfBirth
            self.nationalities = nationalities
            self.face = face
            self.fingerprint = fingerprint
            self.sex = sex
        }
    }

    /// The record's message id (what a hit names in `matched.notice_message_id`).
    public var id: String
    /// Its kind (`red`, `diffusion`, `sltd`, …).
    public var kind: String
    /// The topic it came on; its country token is the data owner (`hit.<owner>.<check>`).
    public var topic: String
    /// 1, then +1 per update applied.
    public var version: Int
    /// The subject (a notice), the person concerned (a diffusion) or the lawful holder (a document record).
    public var person: Person?
    /// A lost or stolen document's number as nexd compares it (capitals, no spaces or hyphens).
    public var documentNumber: String?
    /// A diffusion's purpose (`arrest`, `locate`, `information`, `warning`).
    public var purpose: String?
    /// The order in which the post came to hold it (1, 2, …): what a seeded draw among records
    /// follows, since message ids are random.
    public var sequence: Int?
    /// When the post came to hold it (Unix ms, the agent's clock): publication → watchlist latency.
    public var heldSinceMillis: Int64?

    /// The data owner's country: the topic's country token (`notice.red.rw` → `rw`, `sltd.ug` → `ug`).
    public var ownerCountry: String? {
        topic.split(separator: ".").last.map(String.init).flatMap { $0.count == 2 ? $0 : nil }
    }
}
