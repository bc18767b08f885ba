#if canImport(Glibc)
import Glibc
#endif

/// A bound, listening, non-blocking TCP socket. Thin wrapper over the socket calls.
struct ListeningSocket {
    let fileDescriptor: Int32
    let port: UInt16

    /// Binds `host:port` (IPv4 or IPv6 literal; `localhost` means 127.0.0.1) and listens.
    /// - Throws: ``DaemonError`` naming the address and the system error.
    /// `key` names the config section whose address it is, for the messages (`listen`, `metrics`).
    static func bind(host: String, port: UInt16, backlog: Int32 = 1024, key: String = "listen") throws(DaemonError) -> ListeningSocket {
        let address = host == "localhost" ? "127.0.0.1" : host
        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        if address.contains(":") {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, address, &sin6.sin6_addr) == 1 else {
                throw DaemonError("\(key).host \"\(host)\" is not an IP address")
            }
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else {
                throw DaemonError("\(key).host \"\(host)\" is not an IP address")
            }
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: sin) { raw.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonError("cannot create a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw DaemonError("cannot listen on \(host):\(port): \(reason) (is another nexd running? change \(key).port)")
        }
        guard listen(fd, backlog) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw DaemonError("cannot listen on \(host):\(port): \(reason)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var boundAddress = sockaddr_storage()
        var boundLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &boundAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &boundLength) }
        }
        return ListeningSocket(fileDescriptor: fd, port: Self.port(of: boundAddress))
    }

    /// What one `accept` call gave.
    enum Accepted {
        case connection(Int32, String)
        /// Nothing pending (EAGAIN).
        case none
        /// Out of file descriptors or memory: stop accepting for a moment (the listen source is
        /// level-triggered and would otherwise spin).
        case exhausted(Int32)
        /// This one connection failed (e.g. aborted before accept); go on.
        case failed(Int32)
    }

    /// Accepts one pending connection.
    func accept() -> Accepted {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fileDescriptor, $0, &length) }
        }
        guard fd >= 0 else {
            switch errno {
            case EAGAIN, EWOULDBLOCK: return .none
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .exhausted(errno)
            default: return .failed(errno)
            }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return .connection(fd, Self.describe(storage))
    }

    /// The port of an IPv4 or IPv6 address (both keep it at byte offset 2).
    private static func port(of storage: sockaddr_storage) -> UInt16 {
        withUnsafeBytes(of: storage) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
    }

    /// `ip:port` (IPv6 as `[ip]:port`).
    static func describe(_ storage: sockaddr_storage) -> String {
        var copy = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return withUnsafeBytes(of: &copy) { raw -> String in
            let port = UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self))
            if Int32(storage.ss_family) == AF_INET6 {
                var address = raw.load(fromByteOffset: 8, as: in6_addr.self)
                inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
                return "[\(Self.string(text))]:\(port)"
            }
            var address = raw.load(fromByteOffset: 4, as: in_addr.self)
            inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
            return "\(Self.string(text)):\(port)"
        }
    }

    private static func string(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
