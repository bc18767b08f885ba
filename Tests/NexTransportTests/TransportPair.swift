import Dispatch
import Foundation
import Glibc
import NexCrypto
import NexTransport

/// Reasons the tests suspend reading for.
enum TestSuspension: TransportReadSuspension {
    case awaitingWritable
    case readBudget
    case paused
}

/// One end of a TLS connection over a socket pair, driven by a ``Transport`` on its own queue the
/// way nexd and the load tool drive theirs: handshake, then read everything, then flush.
final class Endpoint: @unchecked Sendable {
    let queue: DispatchQueue
    let transport: Transport<TestSuspension>
    // Confined to `queue`.
    private(set) var isHandshakeComplete = false
    private(set) var received: [UInt8] = []
    private(set) var readEnds: [ReadEnd] = []
    private(set) var resumptions = 0
    private(set) var closedCount = 0

    init(name: String, fileDescriptor: Int32, context: TLSContext, readBudget: ReadBudget?) throws {
        queue = DispatchQueue(label: "test.\(name)")
        let session = try TLSSession(context: context, fileDescriptor: fileDescriptor)
        transport = Transport(fileDescriptor: fileDescriptor, session: session, queue: queue, readBudget: readBudget)
    }

    func start() {
        queue.sync {
            transport.start(onReady: { self.drive() }, onReadingResumed: { self.resumptions += 1; self.drive() },
                            onClosed: { self.closedCount += 1 })
            drive()
        }
    }

    func drive() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !transport.isClosed else { return }
        if !isHandshakeComplete {
            guard transport.driveHandshake() == .complete else { return }
            isHandshakeComplete = true
        }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let end = buffer.withUnsafeMutableBytes { buffer in
            transport.readAvailable(into: buffer) { self.received.append(contentsOf: $0) }
        }
        readEnds.append(end)
        _ = transport.flush()
    }

    /// Queues `bytes` and flushes (on the queue).
    func send(_ bytes: [UInt8]) {
        queue.sync {
            bytes.withUnsafeBytes { transport.append($0) }
            _ = transport.flush()
        }
    }

    /// Reads a value on the queue.
    func read<T>(_ body: (Endpoint) -> T) -> T { queue.sync { body(self) } }

    /// Waits (up to 5 s) until `condition` holds on the queue.
    func wait(until condition: (Endpoint) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if read(condition) { return true }
            usleep(2_000)
        }
        return false
    }
}

/// A server and a client endpoint over a fresh socket pair, with a throwaway CA.
struct TransportPair {
    let server: Endpoint
    let client: Endpoint

    init(serverBudget: ReadBudget? = ReadBudget()) throws {
        _ = signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else { throw POSIXError(.EIO) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            // Room for more than a read budget in flight (the FORCE options need CAP_NET_ADMIN).
            var bytes: Int32 = 4 << 20
            for option in [SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_SNDBUF, SO_RCVBUF] {
                _ = setsockopt(fd, SOL_SOCKET, option, &bytes, socklen_t(MemoryLayout<Int32>.size))
            }
        }
        let now = Date()
        let validity = now.addingTimeInterval(-3600)...now.addingTimeInterval(86_400)
        let caKey = try PrivateKey.generate(.ecdsaP256SHA256)
        let ca = try CertificateIssuer.selfSigned(CertificateProfile(subjectCommonName: "Transport Test Root", organization: "test",
                                                                     validity: validity, isCertificateAuthority: true), key: caKey)
        func leaf(_ name: String, _ usage: ExtendedKeyUsage) throws -> (PrivateKey, Certificate) {
            let key = try PrivateKey.generate(.ecdsaP256SHA256)
            let profile = CertificateProfile(subjectCommonName: name, organization: "test", validity: validity,
                                             extendedKeyUsage: usage, dnsNames: ["localhost"])
            return (key, try CertificateIssuer.issue(profile, for: key.publicKey, issuer: ca, issuerKey: caKey))
        }
        let (serverKey, serverCertificate) = try leaf("localhost", [.serverAuth])
        let (clientKey, clientCertificate) = try leaf("node", [.clientAuth])
        let serverContext = try TLSContext.server(certificate: serverCertificate, key: serverKey, trustRoots: [ca])
        let clientContext = try TLSContext.client(certificate: clientCertificate, key: clientKey, trustRoots: [ca], serverName: "localhost")
        server = try Endpoint(name: "server", fileDescriptor: fds[0], context: serverContext, readBudget: serverBudget)
        client = try Endpoint(name: "client", fileDescriptor: fds[1], context: clientContext, readBudget: nil)
    }

    /// Starts both ends and waits for the handshake.
    func connect() -> Bool {
        server.start()
        client.start()
        return server.wait { $0.isHandshakeComplete } && client.wait { $0.isHandshakeComplete }
    }
}
