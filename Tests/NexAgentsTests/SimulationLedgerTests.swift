import Testing
@testable import NexAgents

/// What a simulation waits for before its posts check travellers (issue 17): the same watchlist
/// at the same simulated minute on every run.
@Suite struct SimulationLedgerTests {
    static let posts = ["bcp.ke.malaba": "ke", "bcp.ug.busia": "ug"]

    static func notice(_ topic: String, kind: String = "red", minute: Double?, tag: String = "", countries: [String] = []) -> OutgoingNotice {
        var notice = OutgoingNotice(topic: topic, kind: kind, document: [], allowedCountries: countries, tag: tag)
        notice.simulatedMinute = minute
        return notice
    }

    @Test func aRecordHoldsTheChecksAfterItsMinuteUntilEveryPostHasIt() {
        var ledger = SimulationLedger(posts: Self.posts, startMinute: 360)
        ledger.handedIn(minute: 400)
        #expect(ledger.isSettled(before: 400) && !ledger.isSettled(before: 401), "unanswered")
        ledger.answered(Self.notice("notice.red.ug", minute: 400), messageID: "r1", refusal: nil, atMillis: 0)
        #expect(!ledger.isSettled(before: 401), "on its way to both posts")
        ledger.confirm(post: "bcp.ke.malaba") { $0 == "r1" }
        #expect(!ledger.isSettled(before: 401))
        ledger.confirm(post: "bcp.ug.busia") { $0 == "r1" }
        #expect(ledger.isSettled(before: 500))
    }

    @Test func refusalsHitsAndAnswersHoldNothingAlertsAndPurpleNoticesDo() {
        var ledger = SimulationLedger(posts: Self.posts, startMinute: 360)
        for (topic, kind) in [("notice.red.ug", "red"), ("hit.ug.ke", "hit"), ("reply.ke", "hit-ack"), ("decision.ug", "decision")] {
            ledger.handedIn(minute: 400)
            ledger.answered(Self.notice(topic, kind: kind, minute: 400), messageID: topic, refusal: topic == "notice.red.ug" ? "not permitted" : nil, atMillis: 0)
        }
        #expect(ledger.isSettled(before: 1_000) && ledger.records.isEmpty)
        // Intelligence is judged at its minute by what reached the posts: waited for too.
        ledger.answered(Self.notice("alert.cbrne.east-africa", kind: "orange", minute: 400), messageID: "a1", refusal: nil, atMillis: 0)
        ledger.answered(Self.notice("notice.purple.ke", kind: "purple", minute: 400), messageID: "p1", refusal: nil, atMillis: 0)
        #expect(ledger.waiting.keys.sorted() == ["a1", "p1"])
    }

    @Test func aRestrictedRecordWaitsOnlyForThePostsItMayReach() {
        var ledger = SimulationLedger(posts: Self.posts, startMinute: 360)
        ledger.answered(Self.notice("notice.red.tz", minute: 400, countries: ["ke"]), messageID: "r1", refusal: nil, atMillis: 0)
        #expect(ledger.waiting["r1"] == ["bcp.ke.malaba"])
        // Diffusions go to NCBs, not to the posts' subscriptions.
        ledger.answered(Self.notice("diffusion.tz", kind: "diffusion", minute: 400), messageID: "d1", refusal: nil, atMillis: 0)
        #expect(ledger.waiting["d1"] == nil)
    }

    @Test func aReviewedRequestsNoticeBelongsToTheRequestsMinute() {
        var ledger = SimulationLedger(posts: Self.posts, startMinute: 360)
        ledger.handedIn(minute: 420)
        ledger.answered(Self.notice("request.red.ug", minute: 420, tag: "request"), messageID: "q1", refusal: nil, atMillis: 0)
        #expect(!ledger.isSettled(before: 421), "the review is awaited")
        // The General Secretariat's notice carries no minute of its own.
        ledger.answered(Self.notice("notice.red.ug", minute: nil, tag: "notice q1 ncb.ug ug"), messageID: "n1", refusal: nil, atMillis: 0)
        #expect(ledger.records.map(\.minute) == [420] && ledger.reviews.isEmpty)
        // A refused request: the decision ends the wait.
        ledger.answered(Self.notice("request.red.ug", minute: 430, tag: "request"), messageID: "q2", refusal: nil, atMillis: 0)
        ledger.answered(Self.notice("decision.ug", kind: "decision", minute: nil, tag: "decision q2"), messageID: "c2", refusal: nil, atMillis: 0)
        #expect(ledger.reviews.isEmpty)
    }

    @Test func aPostOffDutyIsNotWaitedForAndOnItsReturnWaitsForWhatItMissed() {
        var ledger = SimulationLedger(posts: Self.posts, startMinute: 360)
        ledger.postLeft("bcp.ug.busia")
        ledger.answered(Self.notice("notice.red.ug", minute: 400), messageID: "r1", refusal: nil, atMillis: 0)
        ledger.confirm(post: "bcp.ke.malaba") { _ in true }
        #expect(ledger.isSettled(before: 500))
        ledger.postReturned("bcp.ug.busia", country: "ug", atMillis: 1_000) { _ in false }
        #expect(ledger.waiting["r1"] == ["bcp.ug.busia"] && !ledger.isSettled(before: 500))
        ledger.expire(atMillis: 1_000 + ledger.patienceMillis + 1)
        #expect(ledger.isSettled(before: 500) && ledger.lateDeliveries == ["red r1 on notice.red.ug never reached bcp.ug.busia"])
    }

    @Test func aReviewAnsweredBeforeItsRequestIsNotWaitedForAndAnUnreviewedRequestIsGivenUp() {
        var ledger = SimulationLedger(posts: Self.posts, startMinute: 360)
        // The General Secretariat's notice on q1 reaches the ledger before nexd's answer to q1 does.
        ledger.answered(Self.notice("notice.red.ug", minute: nil, tag: "notice q1 ncb.ug ug"), messageID: "n1", refusal: nil, atMillis: 0)
        ledger.answered(Self.notice("request.red.ug", minute: 420, tag: "request"), messageID: "q1", refusal: nil, atMillis: 0)
        #expect(ledger.reviews.isEmpty)
        ledger.answered(Self.notice("request.red.ug", minute: 430, tag: "request"), messageID: "q2", refusal: nil, atMillis: 0)
        #expect(!ledger.isSettled(before: 431))
        ledger.expire(atMillis: ledger.patienceMillis + 1)
        #expect(ledger.reviews.isEmpty && ledger.lateDeliveries.contains("request q2 was not reviewed"))
    }
}
