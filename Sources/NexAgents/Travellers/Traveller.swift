/// One traveller presenting at a border post (issue 16 §3): what the post sees — a person, a
/// travel document, a face and a fingerprint capture — and, known only to the simulation, who
/// they really are (``truth``), against which the post's false matches and non-matches are counted.
public struct Traveller: Sendable, Equatable {
    /// How a watchlisted person presents.
    public enum Disguise: String, Sendable, Equatable, Codable, CaseIterable {
        /// Their own name and date of birth, a clean document.
        case trueName = "true-name"
        /// Their name as another clerk transliterated it (``NameVariant``), their date of birth.
        case transliterated
        /// Another name, another date of birth, a clean document: only biometrics can tell.
        case alias
        /// Someone else carrying a lost or stolen document on the watchlist.
        case stolenDocument = "stolen-document"
    }

    /// Who the traveller is, for the post's error counts.
    public enum Truth: Sendable, Equatable {
        /// No one the watchlist holds.
        case ordinary
        /// The person (or the document) of watchlist record `id`, presenting as `disguise`.
        case watchlisted(id: String, disguise: Disguise)

        /// The record id, when watchlisted.
        public var recordID: String? {
            if case .watchlisted(let id, _) = self { return id }
            return nil
        }
    }

    /// The traveller's place in the post's stream (0, 1, 2, …).
    public let index: Int
    /// Names, sex, date of birth and nationality as the document shows them.
    public let person: WatchlistEntry.Person
    /// `M` or `F`.
    public let sex: String
    /// The travel document's number and issuing country.
    public let documentNumber: String
    public let documentCountry: String
    /// The captures taken at the post.
    public let face: BiometricTemplate
    public let fingerprint: BiometricTemplate
    public let truth: Truth
}
