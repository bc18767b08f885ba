import Foundation
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

extension AuditIndex {
    /// The log state an index was built for (`state.json`): for each segment indexed, in order, how
    /// many bytes were indexed and the SHA-256 of the last line indexed there. An index is used only
    /// while the log still holds every one of those lines where it was (the log may have grown
    /// since: the index is then extended); otherwise it is ignored and rebuilt.
    struct State: Codable {
        /// One indexed segment.
        struct Mark: Codable, Equatable {
            var name: String
            /// Bytes indexed, up to and including the newline of the last line indexed.
            var size: Int
            var lastLineStart = 0
            /// SHA-256 (hex) of the last line indexed, without its newline; `nil` when none was.
            var lastLineHash: String?
        }

        var version = 2
        /// The sequence of the last record indexed (the tree size it was built for), for people.
        var lastSequence: UInt64 = 0
        var marks: [Mark]
        /// Entries in `messages.idx`, and what `stat` said of that file once written: an entry file
        /// altered, truncated or swapped since (an entry removed, a key changed) is not used.
        var entryCount: Int
        var entriesFile: FileIdentity?

        /// A file's device, inode, size and status-change time. Any write, truncation or
        /// replacement changes the inode or the change time, which no unprivileged process can set
        /// back (unlike the modification time); checking it costs one `stat`, not a read of the file.
        struct FileIdentity: Codable, Equatable {
            var device: UInt64
            var inode: UInt64
            var size: Int64
            var changedSeconds: Int64
            var changedNanoseconds: Int64

            init?(path: String) {
                var info = stat()
                guard stat(path, &info) == 0 else { return nil }
                device = UInt64(info.st_dev)
                inode = UInt64(info.st_ino)
                size = Int64(info.st_size)
                changedSeconds = Int64(info.st_ctim.tv_sec)
                changedNanoseconds = Int64(info.st_ctim.tv_nsec)
            }
        }

        /// Whether the log's segments begin with the ones indexed, each unchanged up to where it
        /// was indexed (closed segments unchanged in size), and the entry file is the one written.
        func describesPrefix(of index: AuditIndex, segments: [String]) -> Bool {
            guard version == 2, entryCount >= 0, marks.count <= segments.count,
                  marks.map(\.name) == Array(segments.prefix(marks.count)),
                  index.fileSize(index.entriesPath) == 8 + entryCount * 24,
                  let entriesFile, FileIdentity(path: index.entriesPath) == entriesFile
            else { return false }
            for (position, mark) in marks.enumerated() {
                let size = index.fileSize(index.directory + "/" + mark.name)
                let isLast = position == marks.count - 1
                guard mark.size >= 0, isLast ? size >= mark.size : size == mark.size else { return false }
                guard let hash = mark.lastLineHash else {
                    guard mark.size == 0 else { return false }
                    continue
                }
                guard mark.lastLineStart >= 0, mark.lastLineStart < mark.size,
                      let line = index.readLine(segment: mark.name, offset: UInt64(mark.lastLineStart)),
                      line.count == mark.size - 1 - mark.lastLineStart, SHA256.hash(line).hex == hash
                else { return false }
            }
            return true
        }
    }
}
