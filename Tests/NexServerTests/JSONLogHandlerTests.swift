import Foundation
import Logging
import NexSync
import Testing
@testable import NexServer

/// `nexd --log-format json`: one object per line, the text format's fields, metadata as strings.
@Suite struct JSONLogHandlerTests {
    @Test func aLineIsOneObjectWithTheTextFormatsFields() throws {
        let lines = Locked<[String]>([])
        var handler = JSONLogHandler(label: "nexd", write: { line in lines.withLock { $0.append(line) } })
        handler.logLevel = .info
        handler[metadataKey: "nexd.pid"] = "42"
        let logger = Logger(label: "nexd") { _ in handler }
        logger.notice("nexd listening", metadata: ["listen.addr": "127.0.0.1:7247", "quote": "say \"hi\"\nbye"])
        logger.debug("not at this level")
        let written = lines.withLock { $0 }
        #expect(written.count == 1 && written[0].hasSuffix("\n") && written[0].dropLast().contains("\n") == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        #expect(object["level"] as? String == "notice" && object["label"] as? String == "nexd" && object["message"] as? String == "nexd listening")
        #expect(object["source"] as? String == "NexServerTests")
        #expect((object["timestamp"] as? String)?.hasSuffix("Z") == true)
        let metadata = try #require(object["metadata"] as? [String: String])
        #expect(metadata == ["listen.addr": "127.0.0.1:7247", "quote": "say \"hi\"\nbye", "nexd.pid": "42"])
    }
}
