internal import COpenSSL

/// Access to OpenSSL's thread-local error queue.
///
/// Callers clear the queue before an OpenSSL call so that whatever is drained after a failure belongs
/// to that call.
enum OpenSSLErrorQueue {
    /// Discards every queued error on this thread.
    static func clear() {
        ERR_clear_error()
    }

    /// Whether this thread's queue holds no error.
    static var isEmpty: Bool {
        ERR_peek_error() == 0
    }

    /// Removes every queued error on this thread and returns their texts, joined by "; ".
    static func drain() -> String {
        var texts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            texts.append(text(of: code))
        }
        return texts.joined(separator: "; ")
    }

    /// OpenSSL's one-line text for one packed error code.
    static func text(of code: UInt) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension CryptoError {
    /// An error whose message is `what` followed by the drained OpenSSL error queue.
    static func openSSL(_ code: Code, _ what: String) -> CryptoError {
        let queue = OpenSSLErrorQueue.drain()
        return CryptoError(code: code, message: queue.isEmpty ? what : "\(what): \(queue)")
    }
}
