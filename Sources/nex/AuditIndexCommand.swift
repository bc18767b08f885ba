import ArgumentParser
import NexAudit

/// `nex audit index`.
struct AuditIndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build or update the message index (derived from the log; safe to delete).",
        discussion: "query --msg and trace update it on demand; run this after large runs so they stay fast."
    )

    @OptionGroup var directory: AuditDirectoryOptions
    @OptionGroup var indexOptions: AuditIndexOptions

    func run() throws {
        let clock = ContinuousClock()
        var outcome = (added: 0, rebuilt: false)
        let index = AuditIndex(directory: directory.dir, indexDirectory: indexOptions.indexDir)
        let elapsed = try clock.measure { outcome = try index.update() }
        print("index \(index.indexDirectory) of \(directory.dir): \(outcome.rebuilt ? "rebuilt" : "updated"), \(outcome.added) entries added in \(elapsed)")
    }
}
