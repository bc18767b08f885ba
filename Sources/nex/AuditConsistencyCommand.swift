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
                guard let new else { throw ValidationError("give NEW as a tree size when OLD is one") }
                print(try AuditProofs.consistency(directory: directory.dir, oldSize: size, newSize: new), terminator: "")
            } else {
                let checkpoint = try SignedCheckpoint(contentsOfFile: old)
                print(try AuditProofs.consistency(directory: directory.dir, old: checkpoint, newSize: new), terminator: "")
            }
        } catch let error as AuditError {
            FileHandle.standardError.write(Data("cannot prove consistency: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
