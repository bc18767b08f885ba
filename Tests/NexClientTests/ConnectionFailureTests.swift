import NexClient
import NexCrypto
import NexWire
import Testing

/// Which failures `nex subscribe` retries: judged by alert numbers and wire codes, never by text.
struct ConnectionFailureTests {
    /// TLS alerts nexd sends for a refused certificate (docs/PROTOCOL.md §6.1), and others.
    @Test(arguments: [
        (UInt8(44), true),   // certificate revoked
        (48, true),          // unknown CA
        (45, true),          // certificate expired (also an expired revocation list)
        (42, true),          // bad certificate (not yet valid)
        (43, true),          // unsupported certificate (no clientAuth)
        (116, true),         // certificate required
        (70, true),          // protocol version
        (80, false),         // internal error
        (40, false),         // handshake failure
        (0, false),          // close notify
    ])
    func tlsAlerts(alert: UInt8, isPermanent: Bool) {
        let tls = TLSError(reason: .peerAlert, message: "read failed", alert: TLSAlert(code: alert))
        let failure = ConnectionFailure(ClientError(.tlsRefused, "nexd refused the connection: whatever the text", tlsError: tls))
        #expect(failure.isPermanent == isPermanent)
        #expect(failure.reason.contains("TLS alert"))
        #expect(failure.reason.contains("(\(alert))"))
    }

    /// `error` frames: identity, permission and protocol refusals are permanent, server conditions not.
    @Test(arguments: [
        (WireErrorCode.notInRoster, true), (.permissionDenied, true), (.unsupportedVersion, true), (.invalidFilter, true),
        (.protocolViolation, true), (.malformedFrame, true),
        (.shuttingDown, false), (.overloaded, false), (.auditUnavailable, false), (.internalError, false),
        (.tooManySubscriptions, false),
    ])
    func errorFrames(code: WireErrorCode, isPermanent: Bool) {
        let failure = ConnectionFailure(ClientError(.refused(code), "nexd refused: \(code.name): the reason"))
        #expect(failure.isPermanent == isPermanent)
        #expect(failure.reason == "\(code.name): the reason")
    }

    /// The text of a message decides nothing: a transient code whose text says "revoked" stays transient.
    @Test func messageTextDecidesNothing() {
        #expect(!ConnectionFailure(ClientError(.refused(.shuttingDown), "nexd refused: certificate revoked, not-in-roster")).isPermanent)
        #expect(!ConnectionFailure(ClientError(.closed, "certificate revoked")).isPermanent)
        #expect(!ConnectionFailure(ClientError(.tlsRefused, "TLS alert certificate revoked (44)")).isPermanent)
    }

    /// `subnack`s, asked for or unasked (a withdrawal after a reload).
    @Test(arguments: [
        (WireErrorCode.permissionDenied, true), (.invalidFilter, true),
        (.overloaded, false), (.auditUnavailable, false), (.tooManySubscriptions, false),
    ])
    func subscriptionRefusals(code: WireErrorCode, isPermanent: Bool) {
        let failure = ConnectionFailure(refusal: SubscribeNack(subscriptionID: 1, code: code, reason: "why"))
        #expect(failure.isPermanent == isPermanent)
        #expect(failure.reason == "\(code.name): why")
    }

    /// nexd down, the network, a close without a frame (idle timeout, slow consumer), a reset.
    @Test(arguments: [
        ClientError(.connectFailed, "cannot connect to 127.0.0.1:1: Connection refused (is nexd running?)"),
        ClientError(.closed, "nexd closed the connection"),
        ClientError(.timedOut, "no answer from nexd within 10 seconds"),
        ClientError(.tlsRefused, "TLS write failed", tlsError: TLSError(reason: .io, message: "write failed: Connection reset by peer")),
        ClientError(.tlsRefused, "handshake failed", tlsError: TLSError(reason: .unknownIssuer, message: "nexd's certificate")),
        ClientError(.tlsRefused, "handshake did not complete"),
    ])
    func transientFailures(error: ClientError) {
        #expect(ConnectionFailure(error) == .transient(error.message))
    }

    @Test func protocolAndCredentialErrorsArePermanent() {
        #expect(ConnectionFailure(ClientError(.protocolError, "expected welcome")).isPermanent)
        #expect(ConnectionFailure(ClientError(.credentials, "no key")).isPermanent)
    }

    /// Every wire code is judged (the switch is exhaustive); the permanent ones are exactly these.
    @Test func thePermanentWireCodes() {
        let permanent = WireErrorCode.allCases.filter(ConnectionFailure.isPermanent)
        #expect(Set(permanent) == [.notInRoster, .permissionDenied, .invalidFilter, .unsupportedVersion, .malformedFrame,
                                   .frameTooLarge, .unknownFrameType, .protocolViolation])
    }
}
