import ArgumentParser
import Foundation
import NexAudit
import NexCrypto

/// `nex audit prove`.
struct AuditProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print an inclusion proof of a message's records against a signed checkpoint (JSON).",
        discussion: "Save the output to a file and check it anywhere with `nex audit check-proof FILE --audit-cert audit.pem`."
    )

    @OptionGroup var directory: AuditDirectoryOptions

    @Argument(help: "Message id (UUID).")
    var messageID: String

    @Option(name: .long, help: "Prove against the checkpoint of this tree size (default: the newest).")
    var treeSize: UInt64?

    func validate() throws {
        guard UUID(uuidString: messageID) != nil else {
            throw ValidationError("\"\(messageID)\" is not a message id; pass the UUID shown by `nex publish` or `nex audit query`")
        }
    }

    func run() throws {
        do {
            print(try AuditProofs.inclusion(directory: directory.dir, messageID: messageID.lowercased(), treeSize: treeSize), terminator: "")
        } catch let error as AuditError {
            FileHandle.standardError.write(Data("cannot prove: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
