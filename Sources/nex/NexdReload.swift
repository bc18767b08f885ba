import Foundation
import NexServer

#if canImport(Glibc)
import Glibc
#endif

/// Finds the nexd running with a config and asks it to reload (SIGHUP re-reads config, CA and CRL).
///
/// nexd writes its pid into `<audit.directory>/nexd.lock` and holds an flock on it while it runs.
/// The pid is trusted only if that process exists and is called `nexd` (a stale file after a crash
/// may name a reused pid).
enum NexdReload {
    /// Why no nexd was signalled.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends SIGHUP to the nexd of the config at `configPath`.
    /// - Returns: The pid signalled.
    /// - Throws: ``Failure`` when no nexd of that config runs, or the config cannot be loaded.
    static func signal(configPath: String) throws -> Int32 {
        let configuration = try DaemonConfiguration.load(path: configPath)
        let lockPath = configuration.audit.directory + "/nexd.lock"
        guard let text = try? String(contentsOfFile: lockPath, encoding: .utf8) else {
            throw Failure(description: "no nexd is running for \(configPath) (no \(lockPath))")
        }
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            throw Failure(description: "no nexd is running for \(configPath) (\(lockPath) holds no pid)")
        }
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard comm == "nexd" else {
            throw Failure(description: "no nexd is running for \(configPath) (pid \(pid) from \(lockPath) is \(comm.map { "\"\($0)\"" } ?? "not running"))")
        }
        guard kill(pid, SIGHUP) == 0 else {
            throw Failure(description: "cannot signal nexd (pid \(pid)): \(String(cString: strerror(errno)))")
        }
        return pid
    }
}
