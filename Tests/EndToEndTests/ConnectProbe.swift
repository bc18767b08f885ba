import Foundation
import NexClient
import NexCrypto
import NexWire

#if canImport(Glibc)
import Glibc
#endif

/// What a client sees when it connects: a TLS alert, an `error` frame, a plain close, or the
/// `welcome`. Drives TLS by hand (no `NexConnection`), so the exact alert number is kept.
enum ConnectOutcome: Equatable, CustomStringConvertible {
    /// The session ended with this fatal alert from nexd (in the handshake or on the first read).
    case alert(UInt8)
    /// nexd sent an `error` frame with this code (then closed).
    case errorFrame(WireErrorCode)
    /// The connection ended with neither an alert nor a frame.
    case closedWithoutAlert
    /// nexd sent `welcome`: the connection was accepted.
    case welcome

    var description: String {
        switch self {
        case .alert(let code): "TLS alert \(TLSAlert(code: code))"
        case .errorFrame(let code): "error frame \(code.name) (\(code.rawValue))"
        case .closedWithoutAlert: "closed without an alert or frame"
        case .welcome: "welcome"
        }
    }

    /// Connects to 127.0.0.1:`port` with `context`, completes the handshake if it can, and reads
    /// until the first frame, an alert or the close (at most `timeout`).
    ///
    /// It sends no `hello`: nexd answers the handshake (welcome, error frame or alert) without one.
    /// A client that writes first may instead see a reset: nexd closes a refused socket at once, and
    /// a socket closed with unread bytes (the hello) is reset, which can discard the alert in flight.
    static func attempt(port: UInt16, context: TLSContext, timeout: Duration = .seconds(5)) throws -> ConnectOutcome {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(.connectFailed, "socket failed") }
        defer { Glibc.close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { throw ClientError(.connectFailed, "connect failed") }
        let session = try TLSSession(context: context, fileDescriptor: fd)
        switch session.handshake() {
        case .complete: break
        case .failed(let error): return error.alert.map { .alert($0.code) } ?? .closedWithoutAlert
        default: return .closedWithoutAlert
        }
        var decoder = FrameDecoder(maximumFrameSize: 16 << 20)
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let frame = try decoder.next() {
                switch frame {
                case .welcome: return .welcome
                case .error(let code, _): return .errorFrame(code)
                default: continue
                }
            }
            if !session.hasBufferedInput {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&descriptor, 1, 100) == 0 { continue }
            }
            switch buffer.withUnsafeMutableBytes({ session.read(into: $0) }) {
            case .bytes(let count):
                buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            case .wantRead, .wantWrite:
                continue
            case .closed:
                return .closedWithoutAlert
            case .failed(let error):
                return error.alert.map { .alert($0.code) } ?? .closedWithoutAlert
            }
        }
        throw ClientError(.timedOut, "no alert, frame or close within \(timeout)")
    }
}
