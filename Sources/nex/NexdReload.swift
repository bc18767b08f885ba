import Foundation
import NexConfig

#if canImport(Glibc)
import Glibc
#endif

/// Finds the nexd running with a config and asks it to reload (SIGHUP re-reads config, CA and CRL).
///
/// nexd writes its pid into `<audit.directory>/nexd.lock` and holds an flock on it while it runs.
/// The pid is trusted only if that process exists and is called `nexd` (a stale file after a crash
/// may name a reused pid). Everything that can be checked is checked by ``locate(configPath:crlPath:)``
/// before the caller writes anything; ``awaitOutcome(of:since:timeout:)`` then reads nexd's verdict
/// from its audit log.
enum NexdReload {
    /// Why no nexd was, or would be, signalled.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// Whether the command must stop before it writes anything.
        var isFatal = false
    }

    /// The nexd of a config, checked to read the revocation list about to be written.
    struct Target {
        let configPath: String
        /// The config's `audit.directory`, where nexd.lock and the audit log are.
        let auditDirectory: String
        /// The running nexd's pid, or why none runs (then the change on disk waits for its start).
        let process: Result<Int32, Failure>
    }

    /// Loads the config at `configPath`, finds its running nexd (if any) and checks that its
    /// `tls.crl` names the file at `crlPath`.
    /// - Throws: ``Failure`` when the config does not load, its `tls.crl` is unset or another file
    ///   (the revocation would not take effect), or nexd.lock exists but cannot be read.
    static func locate(configPath: String, crlPath: String) throws(Failure) -> Target {
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(path: configPath)
        } catch {
            throw Failure(description: "cannot load --config \(configPath): \(error)")
        }
        let auditDirectory = configuration.audit.directory
        let process = findProcess(lockPath: auditDirectory + "/nexd.lock", configPath: configPath)
        if case .failure(let failure) = process, failure.isFatal { throw failure }
        // A relative tls.crl is opened from nexd's working directory.
        let nexdDirectory = (try? process.get()).flatMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/cwd")
        }
        let here = FileManager.default.currentDirectoryPath
        let written = canonicalPath(crlPath, relativeTo: here)
        guard !configuration.tls.crl.isEmpty else {
            throw Failure(description: "\(configPath) sets no tls.crl, so nexd does not check revocation and reloading would not apply \(crlPath) (\(written)): set `tls.crl: \(crlPath)` in the config, or pass the --config of the nexd that uses this list")
        }
        let read = configuration.tls.crl.map { (configured: $0, path: canonicalPath($0, relativeTo: nexdDirectory ?? here)) }
        guard read.contains(where: { $0.path == written }) else {
            let configured = read.map { "\($0.configured) (\($0.path))" }.joined(separator: ", ")
            let pkis = read.map { ($0.configured as NSString).deletingLastPathComponent }.joined(separator: " or ")
            throw Failure(description: "\(configPath) has tls.crl \(configured), not the list being written, \(crlPath) (\(written)): the revocation would not take effect; pass --pki with the directory of \(pkis), or the --config of the nexd that reads \(crlPath)")
        }
        return Target(configPath: configPath, auditDirectory: auditDirectory, process: process)
    }

    /// Sends SIGHUP to `pid`.
    static func signal(_ pid: Int32) throws(Failure) {
        guard kill(pid, SIGHUP) == 0 else {
            throw Failure(description: "cannot signal nexd (pid \(pid)): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether `pid` is a live process called `nexd`.
    static func isNexd(_ pid: Int32) -> Bool {
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return comm == "nexd"
    }

    /// The pid in the lock file, if it names a running nexd. A missing lock file or a stale pid means
    /// no nexd runs; a lock file that exists but cannot be read is a fatal failure (nexd may run as
    /// another user), never "no nexd".
    private static func findProcess(lockPath: String, configPath: String) -> Result<Int32, Failure> {
        let text: String
        switch readSmallFile(lockPath) {
        case .missing:
            return .failure(Failure(description: "no nexd is running for \(configPath) (no \(lockPath))"))
        case .contents(let contents):
            text = contents
        case .unreadable(let errorNumber):
            return .failure(Failure(
                description: "cannot read \(lockPath): \(String(cString: strerror(errorNumber))); cannot tell whether nexd runs (it may run as another user: run nex as that user)",
                isFatal: true))
        }
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            return .failure(Failure(description: "no nexd is running for \(configPath) (\(lockPath) holds no pid)"))
        }
        guard isNexd(pid) else {
            return .failure(Failure(description: "no nexd is running for \(configPath) (pid \(pid) from \(lockPath) is not a running nexd)"))
        }
        return .success(pid)
    }

    /// What reading a small file gave.
    private enum SmallFile {
        case missing
        case contents(String)
        /// The errno of the failed open or read.
        case unreadable(Int32)
    }

    /// The first bytes of `path`.
    private static func readSmallFile(_ path: String) -> SmallFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno == ENOENT ? .missing : .unreadable(errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { return .unreadable(errno) }
        return .contents(String(decoding: buffer[..<count], as: UTF8.self))
    }

    /// `path` made absolute from `base`, with symbolic links resolved (`realpath`); for a file that
    /// does not exist yet, its directory is resolved.
    static func canonicalPath(_ path: String, relativeTo base: String) -> String {
        let absolute = path.hasPrefix("/") ? path : base + "/" + path
        func resolved(_ path: String) -> String? {
            guard let pointer = realpath(path, nil) else { return nil }
            defer { free(pointer) }
            return String(cString: pointer)
        }
        if let full = resolved(absolute) { return full }
        let name = (absolute as NSString).lastPathComponent
        if let parent = resolved((absolute as NSString).deletingLastPathComponent) { return parent + "/" + name }
        return (absolute as NSString).standardizingPath
    }
}
