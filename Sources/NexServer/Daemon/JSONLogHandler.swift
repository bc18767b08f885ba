import Foundation
import Logging
import NexSync

/// `nexd --log-format json` (issue 18 §2): one JSON object per line on standard error, with the
/// fields of the text format — `timestamp`, `level`, `label`, `source`, `message` — and the
/// metadata under `metadata` (every value a string, as the text format prints it). Keys are sorted,
/// so lines diff and grep alike; a line is written whole.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// Lines from every handler of the process, written one at a time.
    private static let output = Locked(FileHandle.standardError)

    public init(label: String, write: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        // A closed or full standard error (a pipe whose reader left, journald restarting) loses the
        // line; it must not stop the daemon (FileHandle.write(_:) traps on an error).
        self.write = write ?? { line in Self.output.withLock { try? $0.write(contentsOf: Data(line.utf8)) } }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
        // As the text format writes an error: its message and its type, beside any `error` metadata.
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(type(of: error))"
        }
        write(Self.line(timestamp: Date(), level: event.level, label: label, source: event.source, message: event.message.description,
                        metadata: merged))
    }

    /// One log line (with its newline).
    static func line(timestamp: Date, level: Logger.Level, label: String, source: String, message: String, metadata: Logger.Metadata) -> String {
        var object: [String: Any] = [
            "timestamp": timestamp.formatted(timestampFormat), "level": level.rawValue, "label": label, "source": source, "message": message,
        ]
        if !metadata.isEmpty { object["metadata"] = metadata.mapValues { "\($0)" } }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            // Not expected (every value is a string); the event is not lost for it.
            let fallback: [String: Any] = ["timestamp": timestamp.formatted(timestampFormat), "level": level.rawValue, "label": label,
                                           "message": "(a log line could not be written as JSON) " + message]
            let data = (try? JSONSerialization.data(withJSONObject: fallback, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self) + "\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static let timestampFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
