import Foundation
import Testing
@testable import NexAudit

/// Peer text printed by `nex audit`: control characters become visible escapes.
@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("plain bcp.rw.rusumo", "plain bcp.rw.rusumo"),
        ("ESC: \u{1B}[2K\rfake", "ESC: \\u{1B}[2K\\u{D}fake"),
        ("OSC: \u{1B}]0;title\u{07}", "OSC: \\u{1B}]0;title\\u{7}"),
        ("CR/LF: a\r\nb\tc", "CR/LF: a\\u{D}\\u{A}b\\u{9}c"),
        ("DEL and C1: \u{7F}\u{9B}31m\u{85}", "DEL and C1: \\u{7F}\\u{9B}31m\\u{85}"),
        ("bidi: \u{202E}gnp.exe\u{202C} \u{2066}x\u{2069} \u{200E}\u{200F}\u{061C}", "bidi: \\u{202E}gnp.exe\\u{202C} \\u{2066}x\\u{2069} \\u{200E}\\u{200F}\\u{61C}"),
        ("separators: \u{2028}\u{2029}", "separators: \\u{2028}\\u{2029}"),
        ("a literal \\u{1B} is not an escape", "a literal \\\\u{1B} is not an escape"),
        ("Kigali – Rusumo, é, 日本", "Kigali – Rusumo, é, 日本"),
    ])
    func inertEscapesEveryControl(raw: String, shown: String) {
        #expect(TerminalText.inert(raw) == shown)
        #expect(!TerminalText.inert(raw).unicodeScalars.contains(where: TerminalText.isControl))
    }

    @Test func everyControlInTheDocumentedRangesIsEscaped() {
        let ranges: [ClosedRange<UInt32>] = [0...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x200E...0x200F, 0x061C...0x061C]
        for value in ranges.joined() {
            let scalar = Unicode.Scalar(value)!
            #expect(TerminalText.inert(String(Character(scalar))) == "\\u{\(String(value, radix: 16, uppercase: true))}")
        }
        #expect(TerminalText.inert(" ~\u{A0}\u{200D}") == " ~\u{A0}\u{200D}")
    }

    @Test(arguments: [
        (#"{"detail":"a\u001b[2Kb"}"#, #"{"detail":"a\u001b[2Kb"}"#),
        ("{\"detail\":\"\u{202E}x\u{7F}\u{9B}\"}", #"{"detail":"\u202ex\u007f\u009b"}"#),
    ])
    func inertJSONKeepsTheValue(line: String, shown: String) throws {
        let inert = TerminalText.inertJSON(line)
        #expect(inert == shown)
        let before = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        let after = try JSONSerialization.jsonObject(with: Data(inert.utf8)) as? [String: String]
        #expect(before == after)
    }

    @Test(arguments: [
        ("bcp.ke.bussia", ["bcp.ke.busia", "bcp.rw.rusumo", "ncb.ke.nairobi"], ["bcp.ke.busia"]),
        ("redd", ["red", "yellow", "blue"], ["red"]),
        ("recieve", ["receipt", "route", "reload"], []),
        ("publsh", ["publish", "route"], ["publish"]),
        ("bad-signatur", AuditVocabulary.reasons, ["bad-signature"]),
        ("zzz", ["red"], []),
    ])
    func nearMatches(value: String, candidates: [String], expected: [String]) {
        #expect(NearMatch.suggestions(for: value, among: candidates) == expected)
    }

    static let now: Int64 = 1_795_910_400_000  // 2026-11-29T00:00:00Z

    @Test(arguments: [
        ("2026-11-28T23:00:00Z", 1_795_906_800_000 as Int64?),
        ("2026-11-28", 1_795_824_000_000), ("7d", Self.now - 7 * 86_400_000), ("2h", Self.now - 7_200_000),
        ("30m", Self.now - 1_800_000), ("45s", Self.now - 45_000), ("0d", Self.now),
        ("yesterday", nil), ("7w", nil), ("-2h", nil), ("+2h", nil), ("2026-13-01", nil), ("h", nil), ("", nil),
    ])
    func timeBounds(text: String, millis: Int64?) {
        #expect(AuditTimeBound.parse(text, nowMillis: Self.now) == millis)
    }

    /// The vocabulary `query` checks against holds every reason and event docs/AUDIT.md names.
    @Test func vocabularyCoversTheAuditFormat() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/AUDIT.md"), encoding: .utf8)
        let section = try #require(text.range(of: "### Reason codes")).upperBound
        let end = try #require(text.range(of: "### Continuation records")).lowerBound
        for line in text[section..<end].split(separator: "\n") where line.hasPrefix("| `") && !line.hasPrefix("| `reason`") {
            let firstCell = line.dropFirst(2).prefix { $0 != "|" }
            for code in firstCell.split(separator: "`").enumerated().filter({ $0.offset % 2 == 0 }).map(\.element) {
                #expect(AuditVocabulary.reasons.contains(String(code)), "\(code)")
            }
        }
        for event in ["publish", "route", "receipt", "protocol-error", "checkpoint", "continuation", "inbox"] {
            #expect(AuditVocabulary.events.contains(event))
        }
    }
}
