/// The head of an HTTP/1.x request as nexd's metrics endpoint reads it (issue 18, D70): the method
/// and the path of the request line, up to the blank line that ends the headers. Nothing else is
/// read: the endpoint answers GET on three paths and takes no body, query or header into account.
struct HTTPRequestHead: Sendable, Equatable {
    let method: String
    let path: String

    /// Why `bytes` are not (yet) a request head.
    enum Problem: Error, Sendable, Equatable {
        /// No blank line yet: read on.
        case incomplete
        /// The head is longer than the limit (answered 431 and closed).
        case tooLarge
        /// Not an HTTP/1.x request line (answered 400 and closed).
        case malformed
    }

    /// Reads a request head from the bytes received so far, at most `limit` bytes of it.
    static func parse(_ bytes: [UInt8], limit: Int) -> Result<HTTPRequestHead, Problem> {
        guard let end = headEnd(in: bytes) else { return .failure(bytes.count > limit ? .tooLarge : .incomplete) }
        guard end <= limit else { return .failure(.tooLarge) }
        let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\r")) ?? bytes.firstIndex(of: UInt8(ascii: "\n")) ?? end
        let parts = bytes[..<lineEnd].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy({ (65...90).contains($0) }),
              parts[1].first == UInt8(ascii: "/"), parts[1].allSatisfy({ (33...126).contains($0) }),
              ["HTTP/1.0", "HTTP/1.1"].contains(String(decoding: parts[2], as: UTF8.self)) else { return .failure(.malformed) }
        // The path without its query: `/metrics?x=1` is `/metrics`.
        let target = parts[1].prefix { $0 != UInt8(ascii: "?") }
        return .success(HTTPRequestHead(method: String(decoding: parts[0], as: UTF8.self), path: String(decoding: target, as: UTF8.self)))
    }

    /// The index just past the blank line that ends the head (CRLF CRLF, or LF LF), if there is one.
    private static func headEnd(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { return index + 2 }
                if index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\r"), bytes[index + 2] == UInt8(ascii: "\n") { return index + 3 }
            }
            index += 1
        }
        return nil
    }
}

/// An HTTP/1.1 response the metrics endpoint sends, then closes the connection.
struct HTTPResponse: Sendable, Equatable {
    let status: Int
    let reason: String
    let contentType: String
    let body: String
    var extraHeaders: [(String, String)] = []

    static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.contentType == b.contentType && a.body == b.body
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
