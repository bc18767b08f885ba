import Testing
@testable import NexLoad

@Suite("Open-loop schedule")
struct OpenLoopScheduleTests {
    @Test("intended send times are evenly spaced at 1/rate", arguments: [(1000.0, 2.0), (2500.0, 1.0), (3.0, 10.0)])
    func evenSpacing(rate: Double, seconds: Double) {
        let schedule = OpenLoopSchedule(rate: rate, seconds: seconds)
        #expect(schedule.count == Int(rate * seconds))
        #expect(schedule.intendedOffset(of: 0) == 0)
        let interval = 1e9 / rate
        for index in [1, schedule.count / 2, schedule.count - 1] {
            #expect(abs(Double(schedule.intendedOffset(of: index)) - Double(index) * interval) <= 1)
        }
        #expect(abs(Double(schedule.totalDuration) - Double(schedule.count - 1) * interval) <= 1)
    }

    @Test("due counts follow the intended times exactly")
    func dueCounts() {
        let schedule = OpenLoopSchedule(rate: 1000, count: 100)
        #expect(schedule.dueCount(atElapsed: 0) == 1)
        #expect(schedule.dueCount(atElapsed: 999_999) == 1)
        #expect(schedule.dueCount(atElapsed: 1_000_000) == 2)
        #expect(schedule.dueCount(atElapsed: 50_500_000) == 51)
        #expect(schedule.dueCount(atElapsed: 10_000_000_000) == 100)
        for elapsed in stride(from: UInt64(0), to: 120_000_000, by: 333_333) {
            let due = schedule.dueCount(atElapsed: elapsed)
            if due > 0 { #expect(schedule.intendedOffset(of: due - 1) <= elapsed) }
            if due < schedule.count { #expect(schedule.intendedOffset(of: due) > elapsed) }
        }
    }

    @Test("on time, each tick releases exactly what became due")
    func onTime() {
        let schedule = OpenLoopSchedule(rate: 10_000, count: 1000)
        var sent = 0
        var elapsed: UInt64 = 0
        while sent < schedule.count {
            let batch = schedule.batch(sent: sent, atElapsed: elapsed)
            #expect(batch.lowerBound == sent)
            #expect(batch.count <= 6)  // 0.5 ms ticks at 10,000/s: 5 due, 6 at a boundary
            sent = batch.upperBound
            elapsed += 500_000
        }
        #expect(sent == 1000)
    }

    @Test("after a stall the sender catches up in bounded bursts, never skipping a message")
    func catchUpIsBounded() {
        let schedule = OpenLoopSchedule(rate: 10_000, count: 5000, maximumBurst: 50)
        // Stalled for 200 ms: 2001 messages are due at once.
        var sent = 0
        var elapsed: UInt64 = 200_000_000
        var batches = 0
        while sent < schedule.dueCount(atElapsed: elapsed) {
            let batch = schedule.batch(sent: sent, atElapsed: elapsed)
            #expect(batch.count <= schedule.maximumBurst)
            #expect(batch.lowerBound == sent)
            sent = batch.upperBound
            batches += 1
            elapsed += 1_000_000  // one tick per millisecond
        }
        #expect(batches > 2001 / 50)
        #expect(sent <= schedule.count)
    }

    @Test("the default burst bound is 10 ms worth of messages")
    func defaultBurst() {
        #expect(OpenLoopSchedule(rate: 10_000, count: 1).maximumBurst == 100)
        #expect(OpenLoopSchedule(rate: 5, count: 1).maximumBurst == 1)
    }
}
