import NexNotices
import Testing

@Suite struct NexNoticesTests {
    @Test(arguments: NoticeKind.allCases)
    func noticeKindRawValueRoundTrip(_ kind: NoticeKind) {
        #expect(NoticeKind(rawValue: kind.rawValue) == kind)
        #expect(!kind.summary.isEmpty)
        #expect(!kind.summary.contains("\n"))
    }

    @Test func noticeKindRawValues() {
        #expect(NoticeKind.allCases.map(\.rawValue) == [
            "red", "yellow", "blue", "black", "green", "orange", "purple", "silver", "un-special",
            "diffusion", "sltd", "hit", "decision", "hit-ack", "action-request", "update", "cancel", "withdraw", "expire",
        ])
        #expect(NoticeKind(rawValue: "unSpecial") == nil)
        #expect(NoticeKind.red.summary == "Red Notice: locate and provisionally arrest a wanted person")
    }

    @Test(arguments: NodeRole.allCases)
    func nodeRoleRawValueRoundTrip(_ role: NodeRole) {
        #expect(NodeRole(rawValue: role.rawValue) == role)
        #expect(!role.summary.isEmpty)
    }

    @Test func nodeRoleRawValues() {
        #expect(NodeRole.allCases.map(\.rawValue) == ["gs", "ncb", "rb", "bcp", "cyber"])
    }
}
