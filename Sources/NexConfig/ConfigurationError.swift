/// A configuration file that cannot be used: names the file, the key and (when known) the line.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file that was read.
    public var file: String
    /// The dotted key path in the config file (`limits.maxFrameBytes`, `roster[3].country`), empty for the whole file.
    public var key: String
    /// 1-based line, when the parser knows it.
    public var line: Int?
    /// What is wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(file: String, key: String, line: Int? = nil, message: String) {
        self.file = file
        self.key = key
        self.line = line
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}
