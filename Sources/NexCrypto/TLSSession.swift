internal import COpenSSL
import Foundation

/// One TLS connection over a socket file descriptor, blocking or non-blocking.
///
/// Not thread-safe: the owner confines it to one queue or thread. The session never closes the
/// descriptor; close it after releasing the session. Each call returns a value instead of throwing:
/// `wantRead`/`wantWrite` tell a non-blocking caller what to wait for (a blocking caller with
/// `SO_RCVTIMEO` sees `wantRead` on timeout).
///
/// With TLS 1.3 a client whose certificate the server rejects still completes ``handshake()``; the
/// rejection arrives as `.failed(.peerAlert)` from its first ``read(into:)``.
public final class TLSSession {
    /// The owned `SSL`.
    private let ssl: OpaquePointer
    /// The context, kept alive for as long as the session.
    public let context: TLSContext
    /// Set after a fatal error, after which OpenSSL forbids further calls such as `SSL_shutdown`.
    private var hasFailed = false

    /// Creates a session on `fileDescriptor` in the context's role (server accepts, client connects).
    /// - Throws: `CryptoError.tlsSetupFailed`.
    public init(context: TLSContext, fileDescriptor: Int32) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.context) else {
            throw CryptoError.openSSL(.tlsSetupFailed, "cannot create TLS session")
        }
        self.ssl = ssl
        self.context = context
        // SSL_set_fd makes a socket BIO with BIO_NOCLOSE: freeing the session leaves the fd open.
        guard SSL_set_fd(ssl, fileDescriptor) == 1 else {
            throw CryptoError.openSSL(.tlsSetupFailed, "cannot attach TLS session to fd \(fileDescriptor)")
        }
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let name = context.serverName { try expectServerName(name) }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// Advances the handshake; call again on `wantRead`/`wantWrite` until `complete` or a failure.
    public func handshake() -> TLSResult {
        guard !hasFailed else { return .failed(TLSError(reason: .other, message: "session already failed")) }
        OpenSSLErrorQueue.clear()
        let status = SSL_do_handshake(ssl)
        if status == 1 { return .complete }
        return TLSResult(classify(status, operation: "handshake"))
    }

    /// Reads decrypted bytes into `buffer`. An empty buffer returns `.bytes(0)`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> TLSIOResult {
        guard !hasFailed else { return .failed(TLSError(reason: .other, message: "session already failed")) }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        OpenSSLErrorQueue.clear()
        var count = 0
        let status = SSL_read_ex(ssl, base, buffer.count, &count)
        if status == 1 { return .bytes(count) }
        return TLSIOResult(classify(status, operation: "read"))
    }

    /// Encrypts and sends bytes; may send only a prefix (partial writes are enabled).
    ///
    /// After `wantWrite`, retry with the same bytes (the buffer may move between attempts).
    public func write(_ bytes: UnsafeRawBufferPointer) -> TLSIOResult {
        guard !hasFailed else { return .failed(TLSError(reason: .other, message: "session already failed")) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .bytes(0) }
        OpenSSLErrorQueue.clear()
        var count = 0
        let status = SSL_write_ex(ssl, base, bytes.count, &count)
        if status == 1 { return .bytes(count) }
        return TLSIOResult(classify(status, operation: "write"))
    }

    /// Sends `close_notify`, best effort, without waiting for the peer's.
    ///
    /// Returns `complete` once it is sent (or if there is nothing to close), `wantWrite` if the
    /// socket is full, `closed` if the session had already failed.
    public func shutdown() -> TLSResult {
        guard !hasFailed else { return .closed }
        guard SSL_is_init_finished(ssl) == 1 else { return .complete }
        OpenSSLErrorQueue.clear()
        let status = SSL_shutdown(ssl)
        if status >= 0 { return .complete }
        return TLSResult(classify(status, operation: "shutdown"))
    }

    /// Whether decrypted bytes are waiting inside OpenSSL (they will not make the fd readable again).
    public var hasBufferedInput: Bool {
        SSL_pending(ssl) > 0
    }

    /// The peer's certificate once the handshake has received it; `nil` before, if none, or if its
    /// key type is unsupported.
    public var peerCertificate: Certificate? {
        guard let x509 = SSL_get0_peer_certificate(ssl) else { return nil }
        // get0 does not transfer a reference; Certificate frees the one taken here.
        X509_up_ref(x509)
        return try? Certificate(taking: x509)
    }

    /// The trust anchor the peer's certificate was verified against (the last certificate of the
    /// chain OpenSSL built in the handshake, `SSL_get0_verified_chain`); `nil` before the handshake
    /// or when the peer sent no certificate.
    public var verifiedChainAnchor: Certificate? {
        guard let chain = SSL_get0_verified_chain(ssl) else { return nil }
        let count = nex_sk_X509_num(chain)
        guard count > 0, let x509 = nex_sk_X509_value(chain, count - 1) else { return nil }
        X509_up_ref(x509)
        return try? Certificate(taking: x509)
    }

    /// The negotiated protocol, e.g. `"TLSv1.3"`.
    public var protocolVersion: String {
        String(cString: SSL_get_version(ssl))
    }

    /// Sets SNI (for a DNS name) and the name or address the server certificate must match.
    private func expectServerName(_ name: String) throws(CryptoError) {
        var scratch = in6_addr()
        let isAddress = inet_pton(AF_INET, name, &scratch) == 1 || inet_pton(AF_INET6, name, &scratch) == 1
        let ok: Bool
        if isAddress {
            // SNI must not carry an IP address (RFC 6066 §3); match the iPAddress SAN instead.
            ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1
        } else {
            ok = nex_SSL_set_tlsext_host_name(ssl, name) == 1 && SSL_set1_host(ssl, name) == 1
        }
        if !ok { throw CryptoError.openSSL(.tlsSetupFailed, "cannot expect server name \(name)") }
    }

    /// The common outcomes of a failed `SSL_*` call.
    enum Failure {
        case wantRead, wantWrite, closed, failed(TLSError)
    }

    /// Maps a non-success return from an `SSL_*` call; drains the error queue.
    private func classify(_ status: Int32, operation: String) -> Failure {
        let savedErrno = errno
        switch SSL_get_error(ssl, status) {
        case SSL_ERROR_WANT_READ:
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        case SSL_ERROR_SYSCALL:
            hasFailed = true
            let queue = OpenSSLErrorQueue.drain()
            if savedErrno == 0 && queue.isEmpty { return .closed }
            let detail = savedErrno != 0 ? String(cString: strerror(savedErrno)) : queue
            return .failed(TLSError(reason: .io, message: "\(operation) failed: \(detail)"))
        case SSL_ERROR_SSL:
            hasFailed = true
            // OpenSSL 3 reports EOF without close_notify as an SSL error; treat it as a close.
            if TLSError.isUnexpectedEOF(ERR_peek_error()) {
                OpenSSLErrorQueue.clear()
                return .closed
            }
            return .failed(TLSError.fromOpenSSL(ssl: ssl, operation: operation))
        default:
            hasFailed = true
            return .failed(TLSError.fromOpenSSL(ssl: ssl, operation: operation))
        }
    }
}

extension TLSResult {
    init(_ failure: TLSSession.Failure) {
        switch failure {
        case .wantRead: self = .wantRead
        case .wantWrite: self = .wantWrite
        case .closed: self = .closed
        case .failed(let error): self = .failed(error)
        }
    }
}

extension TLSIOResult {
    init(_ failure: TLSSession.Failure) {
        switch failure {
        case .wantRead: self = .wantRead
        case .wantWrite: self = .wantWrite
        case .closed: self = .closed
        case .failed(let error): self = .failed(error)
        }
    }
}
