import NexNotices
import Testing
@testable import NexServer

/// Headroom for urgent notices (D68): the lower in-flight bound holds for a second after an urgent
/// acceptance, and only lowers the configured one.
@Suite struct UrgentHeadroomTests {
    @Test func theLowerBoundHoldsForASecondAfterAnUrgentAcceptance() {
        let headroom = UrgentHeadroom()
        #expect(!headroom.isActive(atNanos: 5_000_000_000))
        headroom.noteUrgent(atNanos: 5_000_000_000)
        #expect(headroom.isActive(atNanos: 5_000_000_000))
        #expect(headroom.isActive(atNanos: 5_999_999_999))
        #expect(!headroom.isActive(atNanos: 6_000_000_000))
    }

    @Test(arguments: [
        (1024, 16, true, 16), (1024, 16, false, 1024), (8, 16, true, 8), (1024, 0, true, 1024),
    ])
    func theLimitIsTheLowerWhileUrgent(_ configured: Int, _ whileUrgent: Int, _ active: Bool, _ expected: Int) {
        #expect(UrgentHeadroom.limit(configured: configured, whileUrgent: whileUrgent, urgentActive: active) == expected)
    }
}

extension UrgentHeadroomTests {
    @Test func onlyTheGeneralSecretariatAndNCBsTurnItOnAndTheFirstOneIsToldOf() {
        #expect(UrgentHeadroom.triggers(role: .gs) && UrgentHeadroom.triggers(role: .ncb))
        #expect(!UrgentHeadroom.triggers(role: .bcp) && !UrgentHeadroom.triggers(role: .cyber) && !UrgentHeadroom.triggers(role: .rb))
        let headroom = UrgentHeadroom()
        #expect(headroom.noteUrgent(atNanos: 1_000_000_000))
        #expect(!headroom.noteUrgent(atNanos: 1_500_000_000))
        #expect(headroom.noteUrgent(atNanos: 3_000_000_000))
    }
}
