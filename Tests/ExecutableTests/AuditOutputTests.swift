import Foundation
import NexAudit
import NexCrypto
import Testing
@testable import nex

/// What `nex audit` prints from a log whose text came from hostile peers: never a raw control
/// character (tested on the renderers, then through the real `nex` binary), and CSV cells that a
/// spreadsheet cannot run.
@Suite struct AuditOutputTests {
    /// Peer-controlled strings that would act on a terminal if printed raw.
    static let hostile: [(name: String, text: String)] = [
        ("ESC erase line", "x\u{1B}[2K\r12  2026-11-28T23:59:00.000Z  publish  accepted"),
        ("OSC title", "\u{1B}]0;owned\u{07}bcp.rw.rusumo"),
        ("CR/LF fake record", "ok\r\n13  2026-11-28T23:59:01.000Z  receipt"),
        ("bidi override", "notice.\u{202E}wr.der\u{202C}"),
        ("C1 CSI and DEL", "a\u{9B}31m\u{7F}b"),
    ]

    /// No output of `nex` may carry these.
    static func containsControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0 != "\n" && TerminalText.isControl($0) }
    }

    static func record(_ json: String) throws -> AuditRecord {
        try #require(AuditRecord(segment: "segment-000000000001.jsonl", line: 1, bytes: Array(json.utf8)))
    }

    /// A JSON string literal (the log's own escaping of C0 controls, raw C1 and bidi).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func hostileRecord(_ text: String) throws -> AuditRecord {
        let q = quoted(text)
        return try record(#"{"seq":7,"time":"2026-11-28T23:59:00.000Z","event":"subscribe","outcome":"refused","reason":\#(q),"node":\#(q),"country":\#(q),"msg":\#(q),"topic":\#(q),"kind":\#(q),"detail":\#(q),"prev":"00","hash":"00"}"#)
    }

    @Test(arguments: hostile)
    func tableAndCSVAndTailLinesAreInert(name: String, text: String) throws {
        let record = try Self.hostileRecord(text)
        for format in AuditOutputFormat.allCases {
            let rendered = AuditRecordTable.render([record], format: format)
            #expect(!Self.containsControl(rendered), "\(name) \(format): \(rendered.debugDescription)")
            #expect(rendered.split(separator: "\n").count == (format == .json ? 1 : 2), "\(name) \(format)")
            let line = AuditRecordTable.line(record, format: format)
            #expect(!Self.containsControl(line) && !line.contains("\n"), "\(name) tail \(format)")
        }
        #expect(AuditRecordTable.render([record], format: .table).contains(TerminalText.inert(text)))
    }

    @Test(arguments: hostile)
    func traceIsInert(name: String, text: String) throws {
        let q = Self.quoted(text)
        let id = "01a224b8-c2c5-762c-a784-7e66fcb5a7fd"
        let records = [
            try Self.record(#"{"seq":1,"time":"2026-11-28T23:59:00.000Z","event":"publish","outcome":"accepted","node":\#(q),"country":\#(q),"cert":\#(q),"msg":"\#(id)","topic":\#(q),"kind":\#(q),"prev":"00","hash":"00"}"#),
            try Self.record(#"{"seq":2,"time":"2026-11-28T23:59:00.001Z","event":"route","msg":"\#(id)","recipients":[{"node":\#(q),"conn":5,"subs":[1]}],"withheld":[{"node":\#(q),"conn":6,"reason":\#(q)}],"restrictions":\#(q),"prev":"00","hash":"00"}"#),
            try Self.record(#"{"seq":3,"time":"2026-11-28T23:59:00.002Z","event":"receipt","node":\#(q),"conn":5,"received":["\#(id)"],"prev":"00","hash":"00"}"#),
        ]
        let trace = AuditTrace(messageID: id, records: records)
        let rendered = AuditTraceText.text(trace)
        #expect(!Self.containsControl(rendered), "\(name): \(rendered.debugDescription)")
        #expect(rendered.contains("delivered to " + TerminalText.inert(text) + " (conn 5, subs 1)"))
        #expect(rendered.contains("WITHHELD from " + TerminalText.inert(text) + " (conn 6): " + TerminalText.inert(text)))
        #expect(!Self.containsControl(AuditTraceText.json(trace)), "\(name) json")
    }

    @Test(arguments: hostile)
    func statsAreInert(name: String, text: String) throws {
        var stats = AuditStats()
        stats.add(try Self.hostileRecord(text))
        let rendered = AuditStatsText.render(stats, top: 10, width: 20)
        #expect(!Self.containsControl(rendered), "\(name): \(rendered.debugDescription)")
        #expect(rendered.contains("  " + TerminalText.inert(text) + "  1"))
    }

    @Test(arguments: [
        ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""), ("+1+1", "'+1+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"), ("\rCR", "\"'\rCR\""), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("plain", "plain"), ("", ""),
    ])
    func csvCellsAreDefusedAndQuoted(value: String, cell: String) {
        #expect(AuditRecordTable.csvField(value) == cell)
    }

    @Test func aCSVFormulaFromAPeerStaysText() throws {
        let record = try Self.hostileRecord("=cmd|' /C calc'!A0")
        let csv = AuditRecordTable.render([record], format: .csv)
        #expect(!csv.contains(",=cmd"))
        #expect(csv.contains(",'=cmd|' /C calc'!A0,"))
    }

    /// A route with no recipients: the trace says nobody was delivered, and who was withheld.
    @Test func aTraceWithNoRecipientsSaysNobodyWasDelivered() throws {
        let id = "01a224b8-c2c5-762c-a784-7e66fcb5a7fd"
        let route = try Self.record(#"{"seq":2,"time":"2026-11-28T23:59:00.001Z","event":"route","msg":"\#(id)","recipients":[],"withheld":[{"node":"ncb.tz.dar-es-salaam","conn":6,"reason":"not-in-allowed"}],"prev":"00","hash":"00"}"#)
        let text = AuditTraceText.text(AuditTrace(messageID: id, records: [route]))
        #expect(!text.contains("every recipient confirmed receipt"))
        #expect(text.contains("no recipients: nobody was delivered this message (withheld from ncb.tz.dar-es-salaam)"))
        let alone = try Self.record(#"{"seq":2,"time":"2026-11-28T23:59:00.001Z","event":"route","msg":"\#(id)","recipients":[],"prev":"00","hash":"00"}"#)
        #expect(AuditTraceText.text(AuditTrace(messageID: id, records: [alone])).contains("no recipients: nobody was delivered this message (no subscriber matched)"))
    }

    /// A receipt row shows the ids it confirms and their topic.
    @Test func aReceiptRowShowsItsMessagesAndTopic() throws {
        let receipt = try Self.record(#"{"seq":9,"time":"2026-11-28T23:59:00.002Z","event":"receipt","node":"bcp.ke.busia","conn":5,"received":["a","b"],"prev":"00","hash":"00"}"#)
        let cells = AuditRecordTable.cells(receipt, topic: { ["a": "notice.red.rw", "b": "notice.red.rw"][$0] })
        #expect(cells[AuditRecordTable.columns.firstIndex(of: "msg")!] == "a b")
        #expect(cells[AuditRecordTable.columns.firstIndex(of: "topic")!] == "notice.red.rw")
    }
}
