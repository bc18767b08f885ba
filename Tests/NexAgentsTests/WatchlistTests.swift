import Foundation
import NexNotices
import Testing
@testable import NexAgents

/// A border post's watchlist (D65): built from delivered records, kept current by their follow-ups,
/// and read back from disk after a restart.
@Suite struct WatchlistTests {
    static let red = NoticeTemplate.document(for: .red)
    static let original = "0190f1d2-7c3a-7000-8000-00000000a002"

    static func followUp(_ kind: NoticeKind, reason: String = "arrest", extra: String = "") -> [UInt8] {
        Array(#"{"kind":"\#(kind.rawValue)","original":"\#(original)","reason":"\#(reason)"\#(extra)}"#.utf8)
    }

    @Test func aNoticeIsAddedUpdatedAndRemoved() throws {
        var watchlist = Watchlist()
        #expect(watchlist.apply(kind: "red", id: Self.original, topic: "notice.red.rw", document: Array(Self.red.utf8)) == .added(Self.original))
        let person = try #require(watchlist.entries[Self.original]?.person)
        #expect(!person.familyName.isEmpty && watchlist.entries[Self.original]?.ownerCountry == "rw")
        // An update replaces the subject: a new name, the next version.
        let renamed = Self.red.replacingOccurrences(of: person.familyName, with: "RENAMED-FICTIVE")
        let update = Self.followUp(.update, reason: "other", extra: #","reason_text":"x","version":2,"document":\#(renamed)"#)
        #expect(watchlist.apply(kind: "update", id: "u1", topic: "notice.red.rw", document: update) == .updated(Self.original, version: 2))
        #expect(watchlist.entries[Self.original]?.person?.familyName == "RENAMED-FICTIVE")
        // A cancellation (or a withdrawal, or nexd's expire) removes it.
        #expect(watchlist.apply(kind: "cancel", id: "c1", topic: "notice.red.rw", document: Self.followUp(.cancel)) == .removed(Self.original, because: .cancel))
        #expect(watchlist.entries.isEmpty)
        // A follow-up of something not held changes nothing.
        #expect(watchlist.apply(kind: "cancel", id: "c2", topic: "notice.red.rw", document: Self.followUp(.cancel)) == .ignored)
    }

    @Test func anExpiryRemovesTheRecord() {
        var watchlist = Watchlist()
        watchlist.apply(kind: "red", id: Self.original, topic: "notice.red.rw", document: Array(Self.red.utf8))
        let expire = Self.followUp(.expire, reason: "expired", extra: #","expires_at":"2026-12-01T00:00:00Z""#)
        #expect(watchlist.apply(kind: "expire", id: "e1", topic: "notice.red.rw", document: expire) == .removed(Self.original, because: .expire))
    }

    @Test func requestsHitsAndRepliesAreNotChecked() {
        var watchlist = Watchlist()
        #expect(watchlist.apply(kind: "red", id: "r", topic: "request.red.rw", document: Array(Self.red.utf8)) == .ignored)
        #expect(watchlist.apply(kind: "hit", id: "h", topic: "hit.rw.ke", document: Array(NoticeTemplate.document(for: .hit).utf8)) == .ignored)
        #expect(watchlist.apply(kind: "hit-ack", id: "a", topic: "reply.ke", document: Array(NoticeTemplate.document(for: .hitAck).utf8)) == .ignored)
        #expect(watchlist.entries.isEmpty)
    }

    @Test func aStolenPassportIsFoundByItsNumberAndIssuingCountry() {
        var watchlist = Watchlist()
        let record = #"{"kind":"sltd","document_number":"B0042917","document_type":"passport","issuing_country":"ug","status":"stolen","reported_on":"2026-03-02","reported_by":"ncb.ug.kampala"}"#
        #expect(watchlist.apply(kind: "sltd", id: "s1", topic: "sltd.ug", document: Array(record.utf8)) == .added("s1"))
        #expect(watchlist.document("b 004-2917", issuedBy: "ug")?.id == "s1")
        #expect(watchlist.document("B0042917", issuedBy: "ke") == nil)
    }

    @Test func itSurvivesARestartOnDisk() throws {
        var watchlist = Watchlist()
        watchlist.apply(kind: "red", id: Self.original, topic: "notice.red.rw", document: Array(Self.red.utf8))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("watchlist-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: path) }
        try watchlist.encoded().write(to: path)
        let restored = try Watchlist(encoded: Data(contentsOf: path))
        #expect(restored == watchlist && restored.persons.map(\.id) == [Self.original])
    }
}
