import Testing
@testable import NexAudit

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_795_910_339_123), "2026-11-28T23:58:59.123Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
    ])
    func formatsAndParsesKnownInstants(millis: Int64, text: String) {
        #expect(Timestamp.format(millis: millis) == text)
        #expect(Timestamp.parse(text) == millis)
        var quoted: [UInt8] = []
        Timestamp.appendQuoted(millis: millis, to: &quoted)
        #expect(String(decoding: quoted, as: UTF8.self) == "\"" + text + "\"")
    }

    @Test(arguments: ["", "2026-11-28", "2026-13-01T00:00:00Z", "2026-11-28T25:00:00.000Z", "2026-11-28T23:58:59.12Z"])
    func refusesMalformedText(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func parsesWithoutFraction() {
        #expect(Timestamp.parse("2026-11-28T23:58:59Z") == 1_795_910_339_000)
    }
}
