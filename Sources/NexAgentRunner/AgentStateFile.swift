import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file an agent keeps its state in, replaced atomically: written to a temporary file, synced,
/// renamed over the old one, and the directory synced, so a crash leaves the old state or the new,
/// never half of one. The directory is created 0700 (a watchlist holds personal data).
public struct AgentStateFile: Sendable {
    public let path: String

    public init(directory: String, name: String) {
        path = (directory as NSString).appendingPathComponent(name)
    }

    /// The saved bytes, or nil when there are none yet.
    public func read() throws -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// Replaces the saved bytes with `data`.
    public func write(_ data: Data) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // An existing directory is tightened too: the state holds personal data.
        guard chmod(directory, 0o700) == 0 else { throw AgentStateError("cannot restrict \(directory) to its owner: \(String(cString: strerror(errno)))") }
        let temporary = path + ".tmp"
        // A leftover (a crash mid-write) is removed; a link planted in its place is not followed.
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AgentStateError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw AgentStateError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw AgentStateError("cannot sync \(temporary): \(String(cString: strerror(errno)))") }
        guard rename(temporary, path) == 0 else { throw AgentStateError("cannot replace \(path): \(String(cString: strerror(errno)))") }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}

/// An exclusive lock on an agent's state directory (`state.lock`, `flock`), held while the agent
/// runs: a second agent on the same state is refused instead of writing over the first's.
final class AgentStateLock: @unchecked Sendable {
    private var fd: Int32

    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = (directory as NSString).appendingPathComponent("state.lock")
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AgentStateError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw AgentStateError("another agent is running with the state in \(directory) (\(path) is locked)")
        }
    }

    /// Lets another agent take the state (when this one has stopped). Once.
    func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit {
        release()
    }
}

/// The agent's state cannot be read or kept.
public struct AgentStateError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
