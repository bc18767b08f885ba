/// Nominal checks: a traveller's names and date of birth against the persons on the watchlist
/// (issue 16 §3, D66). A person matches when the family names are variants of each other
/// (``NameKey``), at least one forename of each is a variant of one of the other's, and the dates
/// of birth are equal when both are known. A match without a date of birth on either side is
/// reported as `nameOnly`, weaker: the post confirms before it acts.
public enum NominalMatcher {
    /// How strongly a traveller matches a person.
    public enum Strength: String, Sendable, Equatable {
        case nameAndDateOfBirth = "name-and-date-of-birth"
        case nameOnly = "name-only"
    }

    /// The strength with which `traveller` matches `person`, or nil.
    public static func match(_ traveller: WatchlistEntry.Person, against person: WatchlistEntry.Person) -> Strength? {
        match(NameKeys(traveller), bornOn: traveller.dateOfBirth, against: NameKeys(person), bornOn: person.dateOfBirth)
    }

    /// A person's names as keys, worked out once (a post keeps them per watchlist entry: working them
    /// out for every traveller and entry was most of a border post's CPU).
    public struct NameKeys: Sendable, Equatable {
        public let family: [NameKey]
        public let forenames: [NameKey]

        public init(_ person: WatchlistEntry.Person) {
            family = NameKey.tokens(of: person.familyName)
            forenames = NameKey.tokens(of: person.forenames)
        }
    }

    /// ``match(_:against:)`` on names already keyed.
    public static func match(_ traveller: NameKeys, bornOn travellerBirth: String?, against person: NameKeys, bornOn personBirth: String?) -> Strength? {
        guard !traveller.family.isEmpty, !person.family.isEmpty, traveller.family.count == person.family.count,
              zip(traveller.family, person.family).allSatisfy({ $0.isVariant(of: $1) }) else { return nil }
        guard traveller.forenames.contains(where: { given in person.forenames.contains { $0.isVariant(of: given) } }) else { return nil }
        switch (travellerBirth, personBirth) {
        case (let a?, let b?): return a == b ? .nameAndDateOfBirth : nil
        default: return .nameOnly
        }
    }

    /// The watchlist entries `traveller` matches, strongest first, then by id.
    /// `keys`: the entries' names already keyed, by entry id (one missing is keyed here).
    public static func matches(of traveller: WatchlistEntry.Person, in watchlist: Watchlist,
                               keys: [String: NameKeys] = [:]) -> [(entry: WatchlistEntry, strength: Strength)] {
        let travellerKeys = NameKeys(traveller)
        return watchlist.persons.compactMap { entry in
            entry.person.flatMap { match(travellerKeys, bornOn: traveller.dateOfBirth, against: keys[entry.id] ?? NameKeys($0), bornOn: $0.dateOfBirth) }.map { (entry, $0) }
        }.sorted { ($0.strength == .nameAndDateOfBirth ? 0 : 1, $0.entry.id) < ($1.strength == .nameAndDateOfBirth ? 0 : 1, $1.entry.id) }
    }
}
