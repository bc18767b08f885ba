/// Synthetic names for the region's travellers and wanted persons (SYNTHETIC DATA ONLY: common
/// given names and family names of East, Central, West and Southern Africa, combined at random;
/// no real person is meant). Several have transliteration variants in use (Mohamed, Youssouf,
/// Ibrahim), which ``NameVariant`` produces.
public enum SyntheticPeople {
    static let familyNames = [
        "Mwangi", "Otieno", "Kamau", "Wanjiru", "Okello", "Mugisha", "Uwase", "Habimana", "Niyonzima", "Nshimiyimana",
        "Banda", "Phiri", "Moyo", "Ncube", "Dube", "Mutasa", "Chanda", "Mulenga", "Tembo", "Zulu",
        "Diallo", "Traore", "Coulibaly", "Keita", "Ouedraogo", "Sawadogo", "Kone", "Toure", "Camara", "Sylla",
        "Okafor", "Adeyemi", "Nwosu", "Mensah", "Owusu", "Asante", "Ndiaye", "Sow", "Fall", "Mbaye",
        "Hassan", "Abdullahi", "Yusuf", "Warsame", "Farah", "Tesfaye", "Bekele", "Girma", "Haile", "Kiplagat",
        "Mbeki", "Nkosi", "Dlamini", "Khumalo", "Mokoena", "Ngoy", "Kabila", "Lukaku", "Mbemba", "Ilunga",
    ]
    static let maleForenames = [
        "Daniel", "Joseph", "Emmanuel", "Patrick", "Samuel", "Moses", "Ibrahim", "Mohamed", "Youssouf", "Abdoulaye",
        "Jean", "Pierre", "Eric", "Innocent", "Olivier", "Tendai", "Tafadzwa", "Kwame", "Kofi", "Chinedu",
        "Abdi", "Ahmed", "Omar", "Amadou", "Mamadou", "Sipho", "Thabo", "Blessing", "Godfrey", "Peter",
    ]
    static let femaleForenames = [
        "Grace", "Claudine", "Aisha", "Fatoumata", "Mariam", "Esther", "Ruth", "Mercy", "Faith", "Joyce",
        "Chantal", "Solange", "Aminata", "Awa", "Nadia", "Halima", "Zainab", "Thandiwe", "Nomvula", "Rudo",
        "Chipo", "Ama", "Akosua", "Ngozi", "Adaeze", "Wanjiku", "Achieng", "Alice", "Josephine", "Beatrice",
    ]

    /// A random person: sex, family name, one or two forenames, a date of birth (1950–2005), the
    /// nationality given.
    public static func person(nationality: String, using generator: inout SeededGenerator) -> (person: WatchlistEntry.Person, sex: String) {
        let sex = Bool.random(using: &generator) ? "M" : "F"
        let forenames = sex == "M" ? maleForenames : femaleForenames
        var given = [forenames.randomElement(using: &generator)!]
        if Int.random(in: 0..<3, using: &generator) == 0 { given.append(forenames.randomElement(using: &generator)!) }
        let family = familyNames.randomElement(using: &generator)!
        let person = WatchlistEntry.Person(familyName: family.uppercased(), forenames: given.joined(separator: " "),
                                           dateOfBirth: dateOfBirth(using: &generator), nationalities: [nationality])
        return (person, sex)
    }

    /// A date `YYYY-MM-DD` from 1950 to 2005 (days 1–28, so every month has it).
    public static func dateOfBirth(using generator: inout SeededGenerator) -> String {
        let year = Int.random(in: 1950...2005, using: &generator)
        let month = Int.random(in: 1...12, using: &generator)
        let day = Int.random(in: 1...28, using: &generator)
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    /// A document number as many passports print it: two capital letters and seven digits.
    public static func documentNumber(using generator: inout SeededGenerator) -> String {
        let letters = Array("ABCDEFGHJKLMNPRSTUVWXYZ")
        let prefix = String((0..<2).map { _ in letters.randomElement(using: &generator)! })
        return prefix + String(Int.random(in: 1_000_000...9_999_999, using: &generator))
    }
}

extension SyntheticPeople {
    /// A wanted or listed person as a notice's `subject`: a random person of `nationality` with
    /// synthetic templates of the `modalities` asked (docs/BIOMETRICS.md).
    public static func subject(nationality: String, modalities: [BiometricModel.Modality] = BiometricModel.Modality.allCases,
                               using generator: inout SeededGenerator) -> [String: Any] {
        let (person, sex) = person(nationality: nationality, using: &generator)
        var subject: [String: Any] = ["family_name": person.familyName, "forenames": person.forenames, "sex": sex,
                                      "date_of_birth": person.dateOfBirth!, "nationalities": [nationality]]
        var biometrics: [String: Any] = [:]
        for modality in modalities {
            biometrics[modality.rawValue] = BiometricModel.of(modality).template(using: &generator).base64Encoded
        }
        if !biometrics.isEmpty { subject["biometrics"] = biometrics }
        return subject
    }
}
