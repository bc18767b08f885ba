import Foundation
import NexClient
import NexCrypto
import NexWire

#if canImport(Glibc)
import Glibc
#endif

/// A bare-bones blocking mTLS client for misbehaving peers: it does only what the test tells it to
/// (answers no ping, may stop reading, may send a frame in pieces). Its socket's receive buffer can
/// be made small before connecting, so a peer that stops reading fills nexd's outbound buffer fast.
final class RawTLSClient {
    let fileDescriptor: Int32
    let session: TLSSession
    private var decoder = FrameDecoder(maximumFrameSize: 16 << 20)
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    private var isClosed = false

    /// Connects, completes the handshake, says hello and waits for the welcome.
    init(port: UInt16, credentials: NodeCredentials, receiveBufferBytes: Int32? = nil) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(.connectFailed, "socket failed") }
        if var size = receiveBufferBytes {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            Glibc.close(fd)
            throw ClientError(.connectFailed, "connect failed")
        }
        fileDescriptor = fd
        let context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key, trustRoots: credentials.trustRoots)
        session = try TLSSession(context: context, fileDescriptor: fd)
        guard case .complete = session.handshake() else {
            Glibc.close(fd)
            throw ClientError(.tlsRefused, "handshake did not complete")
        }
        try send(.hello(Hello(protocolVersion: WireLimits.protocolVersion, clientName: "raw", extensions: [])))
        guard case .welcome = try nextFrame(timeout: .seconds(5)) else { throw ClientError(.protocolError, "no welcome") }
    }

    deinit { close() }

    func send(_ frame: Frame) throws {
        try sendRaw(FrameEncoder.encode(frame))
    }

    func sendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            switch bytes.withUnsafeBytes({ session.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
            case .bytes(let count): offset += count
            case .wantRead, .wantWrite: continue
            case .closed, .failed: throw ClientError(.closed, "nexd closed the connection")
            }
        }
    }

    /// The next frame; nil when nexd closed the connection. Throws `timedOut` after `timeout`.
    func nextFrame(timeout: Duration) throws -> Frame? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let frame = try decoder.next() { return frame }
            if !session.hasBufferedInput {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else { throw ClientError(.timedOut, "no frame within \(timeout)") }
                var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
                let millis = Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
                if poll(&descriptor, 1, millis) == 0 { continue }
            }
            switch buffer.withUnsafeMutableBytes({ session.read(into: $0) }) {
            case .bytes(let count):
                buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            case .wantRead, .wantWrite:
                continue
            case .closed, .failed:
                return nil
            }
        }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fileDescriptor)
    }
}
