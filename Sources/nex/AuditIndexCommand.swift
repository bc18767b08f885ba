import ArgumentParser
import NexAudit

/// `nex audit index`.
struct AuditIndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build or update the message index in <dir>/index (derived from the log; safe to delete).",
        discussion: "query --msg and trace update it on demand; run this after large runs so they stay fast."
    )

    @OptionGroup var directory: AuditDirectoryOptions

    func run() throws {
        let clock = ContinuousClock()
        var outcome = (added: 0, rebuilt: false)
        let elapsed = try clock.measure { outcome = try AuditIndex(directory: directory.dir).update() }
        print("index \(directory.dir)/index: \(outcome.rebuilt ? "rebuilt" : "updated"), \(outcome.added) entries added in \(elapsed)")
    }
}
