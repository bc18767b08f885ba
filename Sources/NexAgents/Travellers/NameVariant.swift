/// Another clerk's spelling of a name (issue 16 §3): the transliterations ``NameKey`` folds —
/// Mohamed → Mouhamed, Yusuf → Yousuf, Ibrahim → Ibraheem, Khalid → Halid. Used to plant travellers who present under a variant of a notice's name.
public enum NameVariant {
    /// Rewrites of a token that change its spelling but not its ``NameKey`` (tried in order; the
    /// first that changes the token is used).
    static let rewrites: [(String, String)] = [
        ("ou", "u"), ("u", "ou"), ("ee", "i"), ("i", "ee"), ("ph", "f"), ("f", "ph"), ("kh", "h"), ("y", "i"),
        ("o", "ou"), ("e", "a"), ("a", "e"),
    ]

    /// `name` with each token respelled (all capitals stay capitals) so that its ``NameKey`` stays
    /// the same; a token no rewrite fits gets its last consonant doubled, else stays as it is.
    public static func variant(of name: String) -> String {
        name.split(separator: " ").map { token(String($0)) }.joined(separator: " ")
    }

    static func token(_ token: String) -> String {
        let upper = token == token.uppercased()
        let lower = token.lowercased()
        guard let first = lower.first else { return token }
        let rest = String(lower.dropFirst())
        let key = NameKey(lower)
        var candidates = rewrites.compactMap { from, to in
            rest.range(of: from).map { String(first) + rest.replacingCharacters(in: $0, with: to) }
        }
        if let index = lower.lastIndex(where: { !"aeiou".contains($0) }) {
            var doubled = lower
            doubled.insert(lower[index], at: index)
            candidates.append(doubled)
        }
        guard let respelled = candidates.first(where: { $0 != lower && NameKey($0) == key }) else { return token }
        return upper ? respelled.uppercased() : respelled.prefix(1).uppercased() + respelled.dropFirst()
    }
}
