import ArgumentParser
import Foundation
import NexNotices

/// `nex notice`: write and check notice documents without reading the schema first.
struct NoticeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notice",
        abstract: "Notice documents: list the kinds, start one from a template, check one before publishing.",
        subcommands: [Kinds.self, New.self, Check.self, Update.self, Cancel.self, Withdraw.self]
    )

    struct Kinds: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the notice kinds and what each is for.")

        func run() {
            for kind in NoticeKind.allCases {
                print(kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + kind.summary)
            }
        }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a valid, obviously fictional document for KIND to edit (docs/NOTICES.md lists every field).",
            discussion: "Example: nex notice new red --output my-red.json, edit it, then nex notice check my-red.json."
        )

        @Argument(help: "Notice kind (see `nex notice kinds`).")
        var kind: String

        @Option(name: .long, help: "Write to this file instead of standard output (refuses to overwrite).")
        var output: String?

        func validate() throws {
            guard NoticeKind(rawValue: kind) != nil else {
                throw ValidationError("unknown kind \"\(kind)\"; use one of \(NoticeKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let document = NoticeTemplate.document(for: NoticeKind(rawValue: kind)!)
            guard let output else {
                print(document)
                return
            }
            guard !FileManager.default.fileExists(atPath: output) else {
                throw ValidationError("\(output) exists; choose another --output")
            }
            try Data((document + "\n").utf8).write(to: URL(fileURLWithPath: output))
            print("wrote a \(kind) template to \(output)")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a document as nexd will (exit 1 naming the first bad field).",
            discussion: "The kind comes from --kind or the document's \"kind\" member."
        )

        @Argument(help: "Notice document (JSON file).")
        var file: String

        @Option(name: .long, help: "Notice kind (default: the document's \"kind\").")
        var kind: String?

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            if let syntax = NoticeValidator.syntaxViolation(in: [UInt8](data)) {
                print("invalid notice: \(syntax)")
                throw ExitCode(1)
            }
            let kindName = kind ?? ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["kind"] as? String
            guard let kindName, let noticeKind = NoticeKind(rawValue: kindName) else {
                throw ValidationError("give --kind, or a known \"kind\" member in \(file)")
            }
            if let violation = NoticeValidator.validate([UInt8](data), as: noticeKind) {
                print("invalid \(noticeKind.rawValue) notice: \(violation)")
                throw ExitCode(1)
            }
            print("valid \(noticeKind.rawValue) notice: \(file)")
        }
    }
}
