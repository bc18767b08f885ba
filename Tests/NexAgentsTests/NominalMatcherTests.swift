import Testing
@testable import NexAgents

/// Names across transliterations (D66): the keys that must agree and the ones that must not, and
/// the rule that a known date of birth must agree.
@Suite struct NominalMatcherTests {
    @Test(arguments: [
        ("Mohammed", "Muhammad"), ("Mohamed", "MOHAMMAD"), ("Mouhamad", "Muhammed"), ("Youssef", "Yusuf"),
        ("Okello", "Okelo"), ("Nkurunziza", "NKURUNZIZA"), ("Abdelkader", "Abd-el-Kader"), ("Philippe", "Filipe"),
        ("Mwangi", "Mwangui"), ("Ousmane", "Usman"), ("Djibril", "Jibril"), ("Chérif", "Sharif"),
    ])
    func variantsShareAKey(_ a: String, _ b: String) {
        let (x, y) = (NameKey(a.replacingOccurrences(of: "-", with: "")), NameKey(b.replacingOccurrences(of: "-", with: "")))
        #expect(x.isVariant(of: y), "\(a) → \(x.text), \(b) → \(y.text)")
    }

    @Test(arguments: [("Wanjiru", "Wanjiku"), ("Ali", "Alex"), ("Okello", "Otieno"), ("Kamau", "Kariuki"), ("Achieng", "Atieno")])
    func differentNamesDoNot(_ a: String, _ b: String) {
        #expect(!NameKey(a).isVariant(of: NameKey(b)), "\(a) → \(NameKey(a).text), \(b) → \(NameKey(b).text)")
    }

    static let subject = WatchlistEntry.Person(familyName: "MWANGI-FICTIVE", forenames: "Daniel Example", dateOfBirth: "1984-03-17")

    @Test func theDateOfBirthMustAgreeWhenBothAreKnown() {
        let traveller = WatchlistEntry.Person(familyName: "Mwangui-Fictive", forenames: "Danyel", dateOfBirth: "1984-03-17")
        #expect(NominalMatcher.match(traveller, against: Self.subject) == .nameAndDateOfBirth)
        var older = traveller
        older.dateOfBirth = "1948-03-17"
        #expect(NominalMatcher.match(older, against: Self.subject) == nil)
        var unknown = traveller
        unknown.dateOfBirth = nil
        #expect(NominalMatcher.match(unknown, against: Self.subject) == .nameOnly)
    }

    @Test func aForenameMustAgreeToo() {
        let traveller = WatchlistEntry.Person(familyName: "Mwangi-Fictive", forenames: "Peter", dateOfBirth: "1984-03-17")
        #expect(NominalMatcher.match(traveller, against: Self.subject) == nil)
    }
}
