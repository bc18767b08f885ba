import Foundation

/// A name reduced to what survives transliteration (issue 16 §3, D66): the same person is written
/// MOHAMMED, Muhammad, Mohamed or Mouhamad by different clerks and scripts. The key folds case and
/// diacritics, drops everything but letters, rewrites spellings that transliterations alternate
/// between (ph/f, ou/u, ee/i, y/i, ck/k, q/k, kh/h, dh/d, th/t, sh/ch → sh, j/dj), collapses doubled
/// letters and drops vowels after the first letter, keeping the consonant skeleton.
/// `Mohammed`, `Muhammad`, `Mohamed` → `MHMD`; `Youssef`, `Yusuf` → `ISF`.
public struct NameKey: Sendable, Equatable, Hashable {
    public let text: String

    /// The key of one name token (a family name or one forename).
    public init(_ name: String) {
        var letters = name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX"))
            .uppercased().unicodeScalars.filter { ("A"..."Z").contains($0) }.map(Character.init)
        var text = String(letters)
        for (from, to) in Self.rewrites { text = text.replacingOccurrences(of: from, with: to) }
        letters = Array(text)
        var skeleton = ""
        for (index, letter) in letters.enumerated() {
            if index > 0, "AEIOU".contains(letter) { continue }
            if skeleton.last == letter { continue }
            skeleton.append(letter)
        }
        self.text = skeleton
    }

    /// Spellings transliterations alternate between, rewritten to one (in this order).
    static let rewrites: [(String, String)] = [
        ("PH", "F"), ("OU", "U"), ("EE", "I"), ("CK", "K"), ("Q", "K"), ("KH", "H"), ("DH", "D"), ("TH", "T"),
        ("CH", "SH"), ("DJ", "J"), ("Y", "I"), ("W", "U"),
    ]

    /// The keys of a full name's tokens (split at spaces, hyphens and apostrophes).
    public static func tokens(of name: String) -> [NameKey] {
        name.split { $0 == " " || $0 == "-" || $0 == "'" || $0 == "’" }.map { NameKey(String($0)) }.filter { !$0.text.isEmpty }
    }

    /// Levenshtein distance between two keys (small strings).
    public func distance(to other: NameKey) -> Int {
        let a = Array(text), b = Array(other.text)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Whether two keys name the same token: equal, or one edit apart when both have at least five
    /// letters (a dropped or added consonant the rewrites do not cover). Some distinct names share a
    /// skeleton (Hassan and Hussein: `HSN`): the forename and date-of-birth rules of
    /// ``NominalMatcher`` keep those from matching on the family name alone.
    public func isVariant(of other: NameKey) -> Bool {
        text == other.text || (min(text.count, other.text.count) >= 5 && distance(to: other) <= 1)
    }
}
