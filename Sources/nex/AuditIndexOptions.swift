import ArgumentParser
import Foundation

/// `--index-dir`, shared by the commands that use the message index (`index`, `query --msg`, `trace`).
struct AuditIndexOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Where the message index is kept (default: $NEX_AUDIT_INDEX_DIR, else ~/.cache/nex/audit-index/<id of --dir>).",
        discussion: "Keep it where only you can write: an index the log's host can write could hide records from a lookup."))
    var indexDir: String?

    func validate() throws {
        if let indexDir, indexDir.isEmpty {
            throw ValidationError("--index-dir is empty; pass a directory you control, or leave it out for the default")
        }
    }

    /// Prints an index warning on stderr.
    static func warn(_ line: String) {
        FileHandle.standardError.write(Data(("warning: " + line + "\n").utf8))
    }
}
