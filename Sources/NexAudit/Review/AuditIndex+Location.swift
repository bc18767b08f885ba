import Foundation
import NexCrypto

extension AuditIndex {
    /// Where the index of the log in `directory` is kept unless told otherwise:
    /// `$NEX_AUDIT_INDEX_DIR` if set, else `$XDG_CACHE_HOME/nex/audit-index/<id>` (`~/.cache` when
    /// `XDG_CACHE_HOME` is unset), where `<id>` is the first 16 hex digits of SHA-256 of the audit
    /// directory's resolved path. Outside the audit directory on purpose: the host that writes the
    /// log must not be able to write the index that answers for it (docs/DECISIONS.md D28).
    public static func defaultIndexDirectory(for directory: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["NEX_AUDIT_INDEX_DIR"], !explicit.isEmpty { return explicit }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? NSHomeDirectory() + "/.cache"
        let resolved = URL(fileURLWithPath: directory).resolvingSymlinksInPath().standardizedFileURL.path
        let id = SHA256.hash(Array(resolved.utf8)).hex.prefix(16)
        return cache + "/nex/audit-index/" + id
    }
}
