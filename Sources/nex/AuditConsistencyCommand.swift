import ArgumentParser
import Foundation
import NexAudit

/// `nex audit consistency`.
struct AuditConsistencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consistency",
        abstract: "Print a proof that a newer checkpoint extends an older one (JSON).",
        discussion: """
            OLD and NEW are tree sizes of checkpoints in the log (see `nex audit query --event checkpoint`); \
            OLD may instead be a checkpoint file a node saved (a witness). NEW defaults to the newest checkpoint.
            """
    )

    @OptionGroup var directory: AuditDirectoryOptions

    @Argument(help: "Older checkpoint: tree size, or a checkpoint JSON file.")
    var old: String

    @Argument(help: "Newer checkpoint: tree size (default: the newest).")
    var new: UInt64?

    func validate() throws {
        guard UInt64(old) != nil || FileManager.default.fileExists(atPath: old) else {
            throw ValidationError("\"\(old)\" is neither a tree size nor a checkpoint file; pass a number or a saved checkpoint's path")
        }
    }

    func run() throws {
        do {
            if let size = UInt64(old) {
                let newSize = try new ?? newestCheckpointSize()
                print(try AuditProofs.consistency(directory: directory.dir, oldSize: size, newSize: newSize), terminator: "")
            } else {
                let checkpoint = try SignedCheckpoint(contentsOfFile: old)
                print(try AuditProofs.consistency(directory: directory.dir, old: checkpoint, newSize: new), terminator: "")
            }
        } catch let error as AuditError {
            FileHandle.standardError.write(Data("cannot prove consistency: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The tree size of the last checkpoint record in the log (NEW's default).
    /// - Throws: ``AuditError`` when the log cannot be read or has no checkpoint yet.
    private func newestCheckpointSize() throws -> UInt64 {
        var query = AuditQuery()
        query.events = ["checkpoint"]
        var newest: UInt64?
        try query.run(directory: directory.dir) { record in
            if let size = record.integer("size") { newest = UInt64(size) }
            return true
        }
        guard let newest else {
            throw AuditError(.malformed, "the log has no signed checkpoint yet; nexd writes one every few seconds and at shutdown")
        }
        return newest
    }
}
