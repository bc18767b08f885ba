/// What a reload does with a newly loaded configuration, key by key, as ``ConfigKeyTable`` says:
/// a changed restart-only key keeps its running value and is named, a changed new-connections key
/// is applied and named, a changed live key is applied.
///
/// Pure: nexd's reload builds one, swaps in ``effective`` and puts the names in its log and audit
/// record.
public struct ConfigReload: Sendable {
    /// The loaded configuration with every restart-only key at its running value.
    public let effective: DaemonConfiguration
    /// Restart-only keys that changed and were kept at their running values, in table order. A
    /// section whose keys are all restart-only (`listen`, `audit`, `metrics`, `development`) is named once, as
    /// a whole.
    public let keptUntilRestart: [String]
    /// Keys that changed and apply only to connections opened from now on.
    public let appliedToNewConnections: [String]
    /// Keys that changed and apply at once, to open connections too.
    public let appliedLive: [String]

    /// Compares `loaded` with the `running` configuration, key by key.
    public init(running: DaemonConfiguration, loaded: DaemonConfiguration, keys: [AnyConfigKey] = ConfigKeyTable.all) {
        var effective = loaded
        var kept: [String] = []
        var newConnections: [String] = []
        var live: [String] = []
        let wholeSections = Set(keys.map(\.section)).filter { section in
            keys.allSatisfy { $0.section != section || $0.applyMode == .restartOnly }
        }
        for key in keys where key.differs(between: running, and: loaded) {
            switch key.applyMode {
            case .restartOnly:
                key.copyValue(from: running, to: &effective)
                let name = wholeSections.contains(key.section) ? key.section : key.path
                if kept.last != name { kept.append(name) }
            case .newConnections:
                newConnections.append(key.path)
            case .live:
                live.append(key.path)
            }
        }
        self.effective = effective
        self.keptUntilRestart = kept
        self.appliedToNewConnections = newConnections
        self.appliedLive = live
    }
}
