import Foundation
import Glibc
import Testing
@testable import NexCrypto

/// Drives a session on a non-blocking fd the way the daemon does: retry after poll() on want*.
struct NonBlockingDriver {
    let fd: Int32
    let deadline = Date().addingTimeInterval(TimeInterval(Loopback.timeoutSeconds))

    init(fd: Int32) {
        self.fd = fd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Waits for `events` on the fd; throws once the deadline passes.
    func wait(for events: Int16) throws {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        guard Date() < deadline, poll(&entry, 1, 100) >= 0 else {
            throw Loopback.Failure(description: "non-blocking session timed out")
        }
    }

    func handshake(_ session: TLSSession) throws -> TLSResult {
        while true {
            switch session.handshake() {
            case .wantRead: try wait(for: Int16(POLLIN))
            case .wantWrite: try wait(for: Int16(POLLOUT))
            case let other: return other
            }
        }
    }

    func write(_ bytes: [UInt8], to session: TLSSession) throws {
        var offset = 0
        while offset < bytes.count {
            switch bytes[offset...].withUnsafeBytes({ session.write($0) }) {
            case .bytes(let n): offset += n
            case .wantRead: try wait(for: Int16(POLLIN))
            case .wantWrite: try wait(for: Int16(POLLOUT))
            case let other: throw Loopback.Failure(description: "write: \(other)")
            }
        }
    }

    func read(_ count: Int, from session: TLSSession) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while out.count < count {
            switch buffer.withUnsafeMutableBytes({ session.read(into: $0) }) {
            case .bytes(let n): out += buffer[..<n]
            case .wantRead: try wait(for: Int16(POLLIN))
            case .wantWrite: try wait(for: Int16(POLLOUT))
            case let other: throw Loopback.Failure(description: "read: \(other)")
            }
        }
        return out
    }
}

@Suite struct TLSNonBlockingTests {
    /// Both ends non-blocking, a payload larger than the socket buffers, so partial writes and
    /// `wantWrite` happen while the peer is not reading yet.
    @Test func largeTransferOverNonBlockingSockets() throws {
        let fixture = try TLSFixture()
        let client = try fixture.ca.issueLeaf("bulk.client", algorithm: .ed25519)
        let clientContext = try TLSContext.client(
            certificate: client.certificate, key: client.key, trustRoots: [fixture.ca.certificate], serverName: "nexd.test")
        let payload = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        let expectedDigest = SHA256.hash(payload)
        let serverContext = fixture.serverContext
        let serverDigest = try Loopback.run(serve: { fd -> SHA256Digest? in
            let driver = NonBlockingDriver(fd: fd)
            guard let session = try? TLSSession(context: serverContext, fileDescriptor: fd),
                  (try? driver.handshake(session)) == .complete,
                  let received = try? driver.read(payload.count, from: session)
            else { return nil }
            try? driver.write(Array(SHA256.hash(received).bytes), to: session)
            return SHA256.hash(received)
        }) { fd in
            let driver = NonBlockingDriver(fd: fd)
            let session = try TLSSession(context: clientContext, fileDescriptor: fd)
            #expect(try driver.handshake(session) == .complete)
            try driver.write(payload, to: session)
            let echoed = try driver.read(32, from: session)
            #expect(echoed == expectedDigest.bytes)
            #expect(session.shutdown() == .complete)
        }
        #expect(serverDigest == expectedDigest)
    }
}
