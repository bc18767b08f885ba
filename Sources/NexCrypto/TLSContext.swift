internal import COpenSSL

/// Shared TLS configuration: role, own certificate, trust roots, protocol versions.
///
/// Immutable after creation and shared by every ``TLSSession`` made from it. Session tickets and
/// the session cache are off, so every connection presents and verifies a certificate.
public final class TLSContext: @unchecked Sendable {
    /// The owned `SSL_CTX`.
    let context: OpaquePointer
    /// Whether sessions accept (server) or connect (client).
    let isServer: Bool
    /// The name the client checks the server certificate against (and sends as SNI), if any.
    let serverName: String?

    private init(context: OpaquePointer, isServer: Bool, serverName: String?) {
        self.context = context
        self.isServer = isServer
        self.serverName = serverName
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// A server context: TLS 1.3 only, client certificate required and verified against `trustRoots`.
    ///
    /// OpenSSL's default client purpose check applies: a client certificate whose extended key usage
    /// lacks `clientAuth` is rejected (`.invalidPurpose`).
    ///
    /// The client certificate must be issued directly by one of `trustRoots`: a client that sends
    /// an intermediate to chain through is refused (`.unknownIssuer`).
    ///
    /// With `revocationLists`, the client certificate (the leaf only: NoticeExchange CAs issue
    /// directly) must also be absent from its issuer's list (`X509_V_FLAG_CRL_CHECK`). Then every
    /// issuer needs a current list: a client of a CA without one is refused (`.crlUnavailable`), as is
    /// every client of a CA whose list is past its `nextUpdate` (`.crlExpired`). A revoked client is
    /// refused with `.certificateRevoked`. To pick up a new list, make a new context.
    /// - Parameters:
    ///   - certificate: The server's own certificate.
    ///   - chain: Intermediates sent after `certificate`.
    ///   - key: The private key for `certificate`.
    ///   - trustRoots: The CAs client certificates must chain to.
    ///   - revocationLists: The CAs' revocation lists; empty (the default) checks no revocation.
    /// - Throws: `CryptoError.tlsSetupFailed`, e.g. if `key` does not match `certificate`.
    public static func server(
        certificate: Certificate, chain: [Certificate] = [], key: PrivateKey, trustRoots: [Certificate],
        revocationLists: [CertificateRevocationList] = []
    ) throws(CryptoError) -> TLSContext {
        let context = try make(
            server: true, versions: .tls13 ... .tls13, certificate: certificate, chain: chain, key: key,
            trustRoots: trustRoots, serverName: nil)
        if !revocationLists.isEmpty {
            let store = SSL_CTX_get_cert_store(context.context)
            for list in revocationLists {
                // X509_STORE_add_crl takes its own reference.
                guard X509_STORE_add_crl(store, list.crl) == 1 else {
                    throw CryptoError.openSSL(.tlsSetupFailed, "cannot add the revocation list of \(list.issuerDescription)")
                }
            }
            // CRL_CHECK without CRL_CHECK_ALL: the leaf only; the roots are trusted by configuration.
            guard X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK)) == 1 else {
                throw CryptoError.openSSL(.tlsSetupFailed, "cannot enable revocation checking")
            }
        }
        SSL_CTX_set_verify(context.context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        // Depth 0: no intermediate between the client certificate and a trust root. Chains are one
        // level (docs/SECURITY.md §Certificate chains), which is what makes the leaf-only CRL check
        // complete; a longer chain fails with CERT_CHAIN_TOO_LONG (`.unknownIssuer`).
        SSL_CTX_set_verify_depth(context.context, 0)
        for root in trustRoots {
            // Names the acceptable CAs in the CertificateRequest.
            guard SSL_CTX_add_client_CA(context.context, root.x509) == 1 else {
                throw CryptoError.openSSL(.tlsSetupFailed, "cannot add client CA \(root.subjectDescription)")
            }
        }
        return context
    }

    /// A client context: TLS 1.3 only, server certificate verified against `trustRoots`.
    /// - Parameters:
    ///   - certificate: The client certificate, or `nil` to connect without one.
    ///   - key: The private key for `certificate`; given exactly when `certificate` is.
    ///   - trustRoots: The CAs the server certificate must chain to.
    ///   - serverName: If given, sent as SNI (unless an IP address) and checked against the server
    ///     certificate's subject alternative names.
    /// - Throws: `CryptoError.tlsSetupFailed`.
    public static func client(
        certificate: Certificate?, key: PrivateKey?, trustRoots: [Certificate], serverName: String? = nil
    ) throws(CryptoError) -> TLSContext {
        try makeClient(versions: .tls13 ... .tls13, certificate: certificate, key: key,
                       trustRoots: trustRoots, serverName: serverName)
    }

    /// A client context capped at `maximumVersion`, so tests can prove that older clients are refused.
    ///
    /// Not for production use: with `.tls12` it speaks TLS 1.2, which NoticeExchange servers refuse.
    /// - Throws: `CryptoError.tlsSetupFailed`.
    public static func legacyClient(
        maximumVersion: TLSProtocolVersion, certificate: Certificate?, key: PrivateKey?, trustRoots: [Certificate]
    ) throws(CryptoError) -> TLSContext {
        try makeClient(versions: .tls12 ... maximumVersion, certificate: certificate, key: key,
                       trustRoots: trustRoots, serverName: nil)
    }

    /// A client context that sends `chain` after its certificate: for tests that a server refuses
    /// client chains longer than one level.
    static func client(
        certificate: Certificate, sendingChain chain: [Certificate], key: PrivateKey, trustRoots: [Certificate]
    ) throws(CryptoError) -> TLSContext {
        try makeClient(versions: .tls13 ... .tls13, certificate: certificate, chain: chain, key: key,
                       trustRoots: trustRoots, serverName: nil)
    }

    private static func makeClient(
        versions: ClosedRange<TLSProtocolVersion>, certificate: Certificate?, chain: [Certificate] = [], key: PrivateKey?,
        trustRoots: [Certificate], serverName: String?
    ) throws(CryptoError) -> TLSContext {
        let context = try make(
            server: false, versions: versions, certificate: certificate, chain: chain, key: key,
            trustRoots: trustRoots, serverName: serverName)
        SSL_CTX_set_verify(context.context, SSL_VERIFY_PEER, nil)
        return context
    }

    private static func make(
        server: Bool, versions: ClosedRange<TLSProtocolVersion>, certificate: Certificate?, chain: [Certificate],
        key: PrivateKey?, trustRoots: [Certificate], serverName: String?
    ) throws(CryptoError) -> TLSContext {
        guard (certificate == nil) == (key == nil) else {
            throw CryptoError(code: .tlsSetupFailed, message: "a certificate and its key must be given together")
        }
        guard !trustRoots.isEmpty else {
            throw CryptoError(code: .tlsSetupFailed, message: "no trust roots: nothing could be verified")
        }
        OpenSSLErrorQueue.clear()
        guard let raw = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()) else {
            throw CryptoError.openSSL(.tlsSetupFailed, "cannot create TLS context")
        }
        // From here the wrapper owns the SSL_CTX and frees it if setup throws.
        let context = TLSContext(context: raw, isServer: server, serverName: serverName)

        func check(_ ok: Bool, _ what: String) throws(CryptoError) {
            if !ok { throw CryptoError.openSSL(.tlsSetupFailed, what) }
        }
        try check(nex_SSL_CTX_set_min_proto_version(raw, versions.lowerBound.openSSLValue) == 1,
                  "cannot set minimum TLS version")
        try check(nex_SSL_CTX_set_max_proto_version(raw, versions.upperBound.openSSLValue) == 1,
                  "cannot set maximum TLS version")
        _ = SSL_CTX_set_options(raw, nex_SSL_OP_NO_TICKET | nex_SSL_OP_NO_RENEGOTIATION)
        try check(SSL_CTX_set_num_tickets(raw, 0) == 1, "cannot disable session tickets")
        _ = nex_SSL_CTX_disable_session_cache(raw)
        _ = nex_SSL_CTX_set_mode_defaults(raw)

        if let certificate, let key {
            try check(SSL_CTX_use_certificate(raw, certificate.x509) == 1,
                      "cannot use certificate \(certificate.subjectDescription)")
            try check(SSL_CTX_use_PrivateKey(raw, key.key) == 1, "cannot use private key")
            try check(SSL_CTX_check_private_key(raw) == 1,
                      "private key does not match certificate \(certificate.subjectDescription)")
            for link in chain {
                try check(nex_SSL_CTX_add1_chain_cert(raw, link.x509) == 1,
                          "cannot add chain certificate \(link.subjectDescription)")
            }
        }
        let store = SSL_CTX_get_cert_store(raw)
        for root in trustRoots {
            // X509_STORE_add_cert takes its own reference.
            try check(X509_STORE_add_cert(store, root.x509) == 1, "cannot trust \(root.subjectDescription)")
        }
        return context
    }
}
