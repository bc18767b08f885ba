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

/// The strict parser the verifiers use: exactly the writer's 24 bytes, a real date, no leap second.
@Suite struct CanonicalTimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_795_910_339_123), "2026-11-28T23:58:59.123Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
    ])
    func parsesTheWritersForm(millis: Int64, text: String) {
        #expect(Timestamp.parseCanonical(Array(text.utf8)) == millis)
    }

    @Test(arguments: [
        "2026/12/02 07:26:10.000Z", "2026-12-02T07:26:60.000Z", "2026-02-30T00:00:00.000Z",
        "2026-12-32T00:00:00.000Z", "2100-02-29T00:00:00.000Z", "2026-11-28T23:58:59Z",
        "2026-11-28T23:58:59.1234Z", "2026-11-28t23:58:59.123Z", "2026-11-28T23:58:59.123+00:00",
        "0000-01-01T00:00:00.000Z", "2026-11-28T24:00:00.000Z", "2026-00-28T23:58:59.123Z",
        "\u{0662}026-11-28T23:58:59.123Z", "+026-11-28T23:58:59.123Z", "",
    ])
    func refusesEverythingElse(text: String) {
        #expect(Timestamp.parseCanonical(Array(text.utf8)) == nil)
    }

    @Test func leavesTheLenientParserForTheCommandLine() {
        #expect(Timestamp.parse("2026-11-28T23:58:59Z") == 1_795_910_339_000)
    }
}
