import NexBroker
import Testing

@Suite struct TopicFilterMatchingTests {
    @Test(arguments: [
        ("notice.red.fr", "notice.red.fr", true),
        ("notice.red.fr", "notice.red.rw", false),
        ("notice.red", "notice.red.fr", false),
        ("notice.red.fr", "notice.red", false),
        ("notice.*.fr", "notice.red.fr", true),
        ("notice.*.fr", "notice.red.rw", false),
        ("notice.*", "notice.red.fr", false),
        ("*", "a", true),
        ("*", "a.b", false),
        ("a.>", "a.b", true),
        ("a.>", "a.b.c", true),
        ("a.>", "a", false),
        (">", "a", true),
        (">", "a.b.c", true),
        ("*.*.fr", "notice.red.fr", true),
        ("*.red.>", "notice.red.fr.x", true),
        ("*.red.>", "notice.blue.fr", false),
        ("*.*", "a.b", true),
        ("*.*", "a.b.c", false),
        ("hit.rw", "hit.fr", false),
    ])
    func matching(_ filter: String, _ topic: String, _ expected: Bool) throws {
        let matches = try TopicFilter(validating: filter).matches(Topic(validating: topic))
        #expect(matches == expected)
    }
}
