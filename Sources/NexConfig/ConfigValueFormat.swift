/// How one key's YAML value becomes its Swift value, and how Config/nexd.yaml describes it: the
/// type as annotated (`integer 1024-16777216`, `PEM file`) and a default as written after `default`.
public struct ConfigValueFormat<Value: Sendable & Equatable>: Sendable {
    /// The type as Config/nexd.yaml annotates it, range included.
    public let typeDescription: String
    /// Reads the key from its mapping, or returns the fallback when it is absent.
    let read: @Sendable (inout YAMLMapping, String, Value) throws(ConfigurationError) -> Value
    /// The value as written after `default` in the annotation.
    let describe: @Sendable (Value) -> String
}

extension ConfigValueFormat where Value == Int {
    /// An integer in `range`.
    static func integer(_ range: ClosedRange<Int>) -> Self {
        Self(typeDescription: "integer \(range.lowerBound)-\(range.upperBound)",
             read: { mapping, name, fallback throws(ConfigurationError) in try mapping.integer(name, default: fallback, range: range) },
             describe: { "\($0)" })
    }
}

extension ConfigValueFormat where Value == Int? {
    /// An integer in `range` where 0 means "not set" (`nil`: derived at run time).
    static func integerOrZeroForUnset(_ range: ClosedRange<Int>) -> Self {
        Self(typeDescription: "integer \(range.lowerBound)-\(range.upperBound)",
             read: { mapping, name, fallback throws(ConfigurationError) in
                 let number = try mapping.integer(name, default: fallback ?? 0, range: range)
                 return number == 0 ? nil : number
             },
             describe: { "\($0 ?? 0)" })
    }
}

extension ConfigValueFormat where Value == UInt16 {
    /// A TCP port, 0-65535.
    static var port: Self {
        Self(typeDescription: "integer 0-65535",
             read: { mapping, name, fallback throws(ConfigurationError) in
                 UInt16(try mapping.integer(name, default: Int(fallback), range: 0...65_535))
             },
             describe: { "\($0)" })
    }
}

extension ConfigValueFormat where Value == Duration {
    /// A whole number of `unit`s in `range` (the YAML key's name ends in the unit: `…Seconds`).
    static func duration(_ unit: DurationUnit, _ range: ClosedRange<Int>) -> Self {
        Self(typeDescription: "integer \(range.lowerBound)-\(range.upperBound)",
             read: { mapping, name, fallback throws(ConfigurationError) in
                 unit.duration(try mapping.integer(name, default: unit.count(in: fallback), range: range))
             },
             describe: { "\(unit.count(in: $0))" })
    }
}

/// The unit of a duration key, named by the end of its YAML name.
enum DurationUnit: Sendable {
    case milliseconds, seconds, days

    func duration(_ count: Int) -> Duration {
        switch self {
        case .milliseconds: .milliseconds(count)
        case .seconds: .seconds(count)
        case .days: .seconds(count * 86_400)
        }
    }

    /// Whole units in `duration` (the table's defaults are whole).
    func count(in duration: Duration) -> Int {
        let milliseconds = Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
        switch self {
        case .milliseconds: return milliseconds
        case .seconds: return milliseconds / 1000
        case .days: return milliseconds / 86_400_000
        }
    }
}

extension ConfigValueFormat where Value == String {
    /// A non-empty string; `typeDescription` says what it names (`string`, `PEM file`, `directory`).
    static func text(_ typeDescription: String) -> Self {
        Self(typeDescription: typeDescription,
             read: { mapping, name, fallback throws(ConfigurationError) in try mapping.string(name, default: fallback) },
             describe: { $0 })
    }
}

extension ConfigValueFormat where Value == String? {
    /// A non-empty string, or nothing when the key is absent and the default is `nil` (`none`).
    static func optionalText(_ typeDescription: String) -> Self {
        Self(typeDescription: typeDescription,
             read: { mapping, name, fallback throws(ConfigurationError) in
                 // `null` or `~`: unset on purpose (the key written out, with no file).
                 if mapping.isNull(name) { return nil }
                 let text = try mapping.string(name, default: fallback ?? "")
                 return text.isEmpty ? nil : text
             },
             describe: { $0 ?? "none" })
    }
}

extension ConfigValueFormat where Value == [String] {
    /// One file or a list of files (`a.pem`, `[a.pem, b.pem]` or a block list); empty when the key is
    /// absent, `null` or `~` (`none`).
    static func fileList(_ typeDescription: String) -> Self {
        Self(typeDescription: typeDescription,
             read: { mapping, name, fallback throws(ConfigurationError) in
                 if mapping.isNull(name) { return [] }
                 guard let node = mapping.value(name) else { return fallback }
                 if node.sequence != nil { return try mapping.stringList(name) }
                 return [try mapping.string(name, default: "")]
             },
             describe: { $0.isEmpty ? "none" : $0.joined(separator: ", ") })
    }
}

extension ConfigValueFormat where Value == Bool {
    /// `true` or `false`.
    static var boolean: Self {
        Self(typeDescription: "boolean",
             read: { mapping, name, fallback throws(ConfigurationError) in try mapping.boolean(name, default: fallback) },
             describe: { "\($0)" })
    }
}

extension ConfigValueFormat where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the raw values of `Value` (`disconnect | drop`).
    static var choice: Self {
        Self(typeDescription: Value.allCases.map(\.rawValue).joined(separator: " | "),
             read: { mapping, name, fallback throws(ConfigurationError) in try mapping.choice(name, default: fallback) },
             describe: { $0.rawValue })
    }
}
