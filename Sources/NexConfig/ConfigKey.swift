/// One key of nexd's configuration file: its YAML path, Swift property, format (type and range),
/// default, reload behaviour and a one-line summary. ``ConfigKeyTable`` lists them all; the loader,
/// the defaults of ``DaemonConfiguration``, the reload and the check of Config/nexd.yaml's
/// annotations all read that table.
public struct ConfigKey<Value: Sendable & Equatable>: Sendable {
    /// The dotted YAML path, `limits.maxFrameBytes`.
    public let path: String
    /// Where the value lives in a ``DaemonConfiguration``.
    public let property: WritableKeyPath<DaemonConfiguration, Value> & Sendable
    /// How the YAML value is read and described.
    public let format: ConfigValueFormat<Value>
    /// The value when the key is absent: the only place a default is written in code.
    public let defaultValue: Value
    /// What a reload does with a changed value.
    public let applyMode: ConfigApplyMode
    /// What the key sets, in one line (Config/nexd.yaml says more).
    public let summary: String

    init(_ path: String, _ property: WritableKeyPath<DaemonConfiguration, Value> & Sendable, _ format: ConfigValueFormat<Value>,
         default defaultValue: Value, _ applyMode: ConfigApplyMode, _ summary: String) {
        self.path = path
        self.property = property
        self.format = format
        self.defaultValue = defaultValue
        self.applyMode = applyMode
        self.summary = summary
    }

    /// The key as a table row, its type erased.
    var row: AnyConfigKey { AnyConfigKey(self) }
}

/// A ``ConfigKey`` with its value type erased: one row of ``ConfigKeyTable/all``.
public struct AnyConfigKey: Sendable {
    /// The dotted YAML path, `limits.maxFrameBytes`.
    public let path: String
    /// The type as Config/nexd.yaml annotates it.
    public let typeDescription: String
    /// The default as Config/nexd.yaml writes it after `default`.
    public let defaultDescription: String
    /// What a reload does with a changed value.
    public let applyMode: ConfigApplyMode
    /// What the key sets, in one line.
    public let summary: String
    private let readFrom: @Sendable (inout YAMLMapping, inout DaemonConfiguration) throws(ConfigurationError) -> Void
    private let differs: @Sendable (DaemonConfiguration, DaemonConfiguration) -> Bool
    private let copy: @Sendable (DaemonConfiguration, inout DaemonConfiguration) -> Void

    init<Value>(_ key: ConfigKey<Value>) {
        path = key.path
        typeDescription = key.format.typeDescription
        defaultDescription = key.format.describe(key.defaultValue)
        applyMode = key.applyMode
        summary = key.summary
        readFrom = { mapping, configuration throws(ConfigurationError) in
            configuration[keyPath: key.property] = try key.format.read(&mapping, key.name, key.defaultValue)
        }
        differs = { $0[keyPath: key.property] != $1[keyPath: key.property] }
        copy = { source, target in target[keyPath: key.property] = source[keyPath: key.property] }
    }

    /// The YAML section (`limits`).
    public var section: String { String(path.prefix { $0 != "." }) }
    /// The key's name inside its section (`maxFrameBytes`).
    public var name: String { String(path.drop { $0 != "." }.dropFirst()) }

    /// Reads the key from its section's mapping into `configuration` (the default when absent).
    func read(from mapping: inout YAMLMapping, into configuration: inout DaemonConfiguration) throws(ConfigurationError) {
        try readFrom(&mapping, &configuration)
    }

    /// Whether the key has another value in `a` than in `b`.
    public func differs(between a: DaemonConfiguration, and b: DaemonConfiguration) -> Bool { differs(a, b) }

    /// Sets the key in `target` to its value in `source`.
    public func copyValue(from source: DaemonConfiguration, to target: inout DaemonConfiguration) { copy(source, &target) }
}

extension ConfigKey {
    /// The key's name inside its section.
    var name: String { String(path.drop { $0 != "." }.dropFirst()) }
}
