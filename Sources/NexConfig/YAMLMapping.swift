import Yams

/// Reads one YAML mapping of the config, refusing unknown keys and ill-typed values with the
/// file, key path and line in the error.
struct YAMLMapping {
    let file: String
    let path: String
    let node: Node
    private let entries: [(key: String, value: Node)]
    private var used: Set<String> = []

    init(file: String, path: String, node: Node) throws(ConfigurationError) {
        self.file = file
        self.path = path
        self.node = node
        guard let mapping = node.mapping else {
            throw ConfigurationError(file: file, key: path, line: node.line, message: "expected a mapping of keys")
        }
        var entries: [(key: String, value: Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else {
                throw ConfigurationError(file: file, key: path, line: key.line, message: "keys must be plain strings")
            }
            entries.append((name, value))
        }
        self.entries = entries
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    mutating func value(_ key: String) -> Node? {
        used.insert(key)
        return entries.first { $0.key == key }?.value
    }

    mutating func string(_ key: String, default fallback: String) throws(ConfigurationError) -> String {
        guard let node = value(key) else { return fallback }
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            throw ConfigurationError(file: file, key: keyPath(key), line: node.line, message: "expected a non-empty string")
        }
        return scalar.string
    }

    /// Whether `key` is there and says `null` or `~` (an optional value left unset on purpose).
    mutating func isNull(_ key: String) -> Bool {
        guard let node = value(key) else { return false }
        return node.scalar?.string == "null" || node.scalar?.string == "~"
    }

    mutating func optionalString(_ key: String) throws(ConfigurationError) -> String? {
        guard let node = value(key) else { return nil }
        if node.scalar?.string == "null" || node.scalar?.string == "~" { return nil }
        return try string(key, default: "")
    }

    /// One of the raw values of `Choice`; the error lists them.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String, default fallback: Choice
    ) throws(ConfigurationError) -> Choice where Choice.RawValue == String {
        guard let node = value(key) else { return fallback }
        let text = node.scalar?.string ?? ""
        guard let choice = Choice(rawValue: text) else {
            throw ConfigurationError(file: file, key: keyPath(key), line: node.line,
                                     message: "\"\(text)\" is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }

    mutating func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let node = value(key) else { return fallback }
        guard let text = node.scalar?.string, let number = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw ConfigurationError(file: file, key: keyPath(key), line: node.line, message: "expected an integer")
        }
        guard range.contains(number) else {
            throw ConfigurationError(file: file, key: keyPath(key), line: node.line,
                                     message: "\(number) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    mutating func boolean(_ key: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        guard let node = value(key) else { return fallback }
        switch node.scalar?.string {
        case "true": return true
        case "false": return false
        default:
            throw ConfigurationError(file: file, key: keyPath(key), line: node.line, message: "expected true or false")
        }
    }

    /// A list of non-empty strings (`[a, b]` or a block list); empty when the key is absent.
    mutating func stringList(_ key: String) throws(ConfigurationError) -> [String] {
        guard let node = value(key) else { return [] }
        guard let sequence = node.sequence else {
            throw ConfigurationError(file: file, key: keyPath(key), line: node.line, message: "expected a list of strings")
        }
        var strings: [String] = []
        for (index, item) in sequence.enumerated() {
            guard let text = item.scalar?.string, !text.isEmpty else {
                throw ConfigurationError(file: file, key: keyPath(key) + "[\(index)]", line: item.line, message: "expected a non-empty string")
            }
            strings.append(text)
        }
        return strings
    }

    /// The keys of this mapping, in file order.
    var keys: [String] { entries.map(\.key) }

    mutating func mapping(_ key: String) throws(ConfigurationError) -> YAMLMapping? {
        guard let node = value(key) else { return nil }
        return try YAMLMapping(file: file, path: keyPath(key), node: node)
    }

    /// Throws for the first key that no reader asked for.
    func rejectUnknownKeys() throws(ConfigurationError) {
        for entry in entries where !used.contains(entry.key) {
            throw ConfigurationError(file: file, key: keyPath(entry.key), line: entry.value.line,
                                     message: "unknown key; see the annotated default in Config/nexd.yaml for the keys this version reads")
        }
    }
}

extension Node {
    /// 1-based line of the node in its file.
    var line: Int? { mark.map { $0.line } }
}
