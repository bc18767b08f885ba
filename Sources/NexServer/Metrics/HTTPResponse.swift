/// An HTTP/1.1 response the metrics endpoint sends, then closes the connection.
struct HTTPResponse: Sendable, Equatable {
    let status: Int
    let reason: String
    let contentType: String
    let body: String
    var extraHeaders: [(String, String)] = []

    static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.reason == b.reason && a.contentType == b.contentType && a.body == b.body
            && a.extraHeaders.map { "\($0.0): \($0.1)" } == b.extraHeaders.map { "\($0.0): \($0.1)" }
    }

    /// The bytes on the wire: status line, headers (length, type, `Connection: close`), body.
    var bytes: [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in extraHeaders { head += "\(name): \(value)\r\n" }
        head += "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + Array(body.utf8)
    }

    static func text(_ status: Int, _ reason: String, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, reason: reason, contentType: "text/plain; charset=utf-8", body: body)
    }
}
