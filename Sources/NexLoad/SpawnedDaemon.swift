import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `nexd` process started for one run: found next to the running `nex`, given a config, its
/// port read from its log line `listen.addr=127.0.0.1:PORT`, stopped by PID.
public final class SpawnedDaemon: @unchecked Sendable {
    /// nexd's process id.
    public let pid: Int32
    /// The port nexd listens on.
    public let port: UInt16
    /// nexd's log (standard error).
    public let logPath: String
    /// The child process (internal so `SpawnedDaemon+Signals.swift` can wait for its status).
    let process: Process

    /// The `nexd` binary in the same directory as this executable.
    public static func siblingExecutable() -> String {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("nexd").path
    }

    /// Starts `executable --config configPath` and waits (up to `timeout` seconds) for its port.
    public init(executable: String = SpawnedDaemon.siblingExecutable(), configPath: String, logPath: String,
                timeout: Double = 30) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw LoadError("no nexd at \(executable): build it (swift build -c release) so it sits next to nex")
        }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw LoadError("cannot write \(logPath)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--config", configPath, "--log-level", "notice"]
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
        self.pid = process.processIdentifier
        self.logPath = logPath
        let deadline = Date().addingTimeInterval(timeout)
        var found: UInt16?
        while found == nil, Date() < deadline, process.isRunning {
            usleep(20_000)
            found = Self.port(inLog: logPath)
        }
        guard let found else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let tail = (try? String(contentsOfFile: logPath, encoding: .utf8))?.suffix(800) ?? ""
            throw LoadError("nexd did not start listening within \(Int(timeout)) s; its log ends with: \(tail)")
        }
        self.port = found
    }

    /// The port in the first `listen.addr=HOST:PORT` of a log file.
    static func port(inLog path: String) -> UInt16? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let range = text.range(of: "listen.addr=") else { return nil }
        let rest = text[range.upperBound...]
        let field = rest.prefix { !$0.isWhitespace }
        guard let colon = field.lastIndex(of: ":") else { return nil }
        return UInt16(field[field.index(after: colon)...])
    }

    /// VmRSS in bytes.
    public var residentBytes: Int? { ProcessStats.residentBytes(pid: pid) }

    /// Stops nexd with SIGTERM (SIGKILL after `timeout` seconds) and waits for it.
    public func stop(timeout: Double = 15) {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        stop()
    }
}
