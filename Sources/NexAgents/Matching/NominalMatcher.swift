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
        let families = (NameKey.tokens(of: traveller.familyName), NameKey.tokens(of: person.familyName))
        guard !families.0.isEmpty, !families.1.isEmpty,
              families.0.count == families.1.count, zip(families.0, families.1).allSatisfy({ $0.isVariant(of: $1) }) else { return nil }
        let forenames = (NameKey.tokens(of: traveller.forenames), NameKey.tokens(of: person.forenames))
        guard forenames.0.contains(where: { given in forenames.1.contains { $0.isVariant(of: given) } }) else { return nil }
        switch (traveller.dateOfBirth, person.dateOfBirth) {
        case (let a?, let b?): return a == b ? .nameAndDateOfBirth : nil
        default: return .nameOnly
        }
    }

    /// The watchlist entries `traveller` matches, strongest first, then by id.
    public static func matches(of traveller: WatchlistEntry.Person, in watchlist: Watchlist) -> [(entry: WatchlistEntry, strength: Strength)] {
        watchlist.persons.compactMap { entry in
            entry.person.flatMap { match(traveller, against: $0) }.map { (entry, $0) }
        }.sorted { ($0.strength == .nameAndDateOfBirth ? 0 : 1, $0.entry.id) < ($1.strength == .nameAndDateOfBirth ? 0 : 1, $1.entry.id) }
    }
}
