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
        // The request line ends at the first LF (its CR, if any, dropped).
        var lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? end
        if lineEnd > 0, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
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
