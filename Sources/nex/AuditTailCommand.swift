import ArgumentParser
import Foundation
import NexAudit

/// `nex audit tail`.
struct AuditTailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the last records; with -f keep following the live log (Ctrl-C to stop).",
        discussion: "Follows by polling every --interval; new segments are picked up as nexd rotates. Control characters in the log are printed as \\u{HEX}."
    )

    @OptionGroup var directory: AuditDirectoryOptions
    @OptionGroup var filters: AuditFilterOptions

    @Option(name: [.customShort("n"), .long], help: "How many matching records to print first.")
    var lines: Int = 10
    @Flag(name: .shortAndLong, help: "Follow: keep printing new records as they are written.")
    var follow = false
    @Option(name: .long, help: "Polling interval in milliseconds when following (50…5000).")
    var interval: Int = 250
    @Option(name: .long, help: "Output: table, json or csv.")
    var format: AuditOutputFormat = .table

    func validate() throws {
        guard lines >= 0 else { throw ValidationError("--lines must be 0 or more") }
        guard (50...5000).contains(interval) else { throw ValidationError("--interval must be between 50 and 5000 ms") }
    }

    func run() throws {
        try filters.checkNames(directory: directory.dir)
        let query = filters.query
        var follower = AuditFollower(directory: directory.dir)
        var recent: [AuditRecord] = []
        try follower.poll { record in
            if query.matches(record) {
                recent.append(record)
                if recent.count > lines { recent.removeFirst() }
            }
        }
        for record in recent { emit(AuditRecordTable.line(record, format: format)) }
        guard follow else { return }
        while true {
            Thread.sleep(forTimeInterval: Double(interval) / 1000)
            try follower.poll { record in
                if query.matches(record) { emit(AuditRecordTable.line(record, format: format)) }
            }
        }
    }

    /// Unbuffered, so a pipe sees each record as it arrives.
    private func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
