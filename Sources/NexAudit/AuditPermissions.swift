import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A path of the audit directory whose mode gave group or others access, and was tightened at open.
public struct AuditPermissionChange: Sendable, Equatable, CustomStringConvertible {
    /// The path, as the directory was named in the configuration plus the entry's name.
    public var path: String
    /// The permission bits it had (for example `0o755`).
    public var previousMode: UInt16
    /// The permission bits it has now: the owner's bits, nothing for group and others.
    public var mode: UInt16

    /// `var/audit/segment-000000000001.jsonl 0644 → 0600`.
    public var description: String {
        "\(path) \(String(previousMode, radix: 8).leftPadded(to: 4)) → \(String(mode, radix: 8).leftPadded(to: 4))"
    }
}

/// The audit log holds personal data (accepted notices keep their payloads): its directory, its
/// subdirectories and its files are for the owner only (docs/AUDIT.md §Files). New ones are made
/// 0700/0600; existing ones made with a looser mode (an old nexd, a hand-made directory, a copy
/// restored with `cp -r` under a permissive umask) are tightened when the log is opened.
enum AuditPermissions {
    /// Removes group and other bits from `directory`, its `certificates/` and `index/`
    /// subdirectories, its segments (and `next-segment.jsonl`), `checkpoint.json` and `nexd.lock`. Symbolic links are left
    /// alone (a mode change would follow them out of the directory). Returns what was changed.
    /// - Throws: ``AuditError/Code/unreadable`` when a mode cannot be read or changed.
    static func tighten(directory: String) throws(AuditError) -> [AuditPermissionChange] {
        var changes: [AuditPermissionChange] = []
        try tighten(path: directory, into: &changes)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in entries.sorted() where isOwnedEntry(name) {
            try tighten(path: directory + "/" + name, into: &changes)
        }
        return changes
    }

    /// The entries nexd and `nex audit` create in an audit directory.
    private static func isOwnedEntry(_ name: String) -> Bool {
        ["certificates", "index", "checkpoint.json", "nexd.lock", AuditSegments.preparedName].contains(name)
            || (name.hasPrefix("segment-") && name.hasSuffix(".jsonl"))
    }

    private static func tighten(path: String, into changes: inout [AuditPermissionChange]) throws(AuditError) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            throw AuditError(.unreadable, "cannot read the mode of \(path): \(String(cString: strerror(errno)))")
        }
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFDIR || kind == S_IFREG else { return }
        let previous = UInt16(status.st_mode & 0o7777)
        guard previous & 0o077 != 0 else { return }
        let tightened = previous & ~0o077
        guard chmod(path, mode_t(tightened)) == 0 else {
            throw AuditError(.unreadable, "cannot restrict \(path) to its owner (mode \(String(previous, radix: 8))): \(String(cString: strerror(errno))); chmod go-rwx it by hand")
        }
        changes.append(AuditPermissionChange(path: path, previousMode: previous, mode: tightened))
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
