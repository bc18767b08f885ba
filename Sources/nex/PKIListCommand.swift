import ArgumentParser
import Foundation

/// `nex pki list`: the certificates of a PKI directory and their status.
struct PKIListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the PKI's certificates with serial, expiry, usage and status.",
        discussion: """
            Shows the CA, nexd, the audit identity and every node certificate. Status is valid, revoked \
            (on the CA's revocation list), expired or not-yet-valid. --json prints one array of objects \
            with the keys role, path, commonName, serial, notAfter, usage and status.
            """
    )

    @OptionGroup var directory: PKIDirectoryOptions

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let entries = try directory.files.list()
        if json {
            let objects = entries.map { entry in
                ["role": entry.role, "path": entry.path, "commonName": entry.commonName, "serial": entry.serialNumberHex,
                 "notAfter": entry.notValidAfter.pkiText, "usage": entry.usage, "status": entry.status.rawValue]
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let rows = [["ROLE", "CN", "SERIAL", "NOT AFTER", "USAGE", "STATUS"]] + entries.map {
            [$0.role, $0.commonName, $0.serialNumberHex, $0.notValidAfter.pkiText, $0.usage, $0.status.rawValue]
        }
        let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = zip(row, widths).enumerated().map { index, cell in
                index == row.count - 1 ? cell.0 : cell.0.padding(toLength: cell.1, withPad: " ", startingAt: 0)
            }
            print(padded.joined(separator: "  "))
        }
    }
}
