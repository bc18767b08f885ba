import Dispatch
import Logging
import NexAudit
import NexCrypto

/// What every connection shares: immutable settings and the shared services. Created once per run.
final class ServerContext: Sendable {
    let configuration: DaemonConfiguration
    let tlsContext: TLSContext
    let audit: AuditLog
    let broker: Broker
    let logger: Logger
    /// Verifies signatures off the I/O queues; concurrent, sized by libdispatch to the cores.
    let verificationQueue: DispatchQueue
    /// Serial queues that connection queues target (about one per core), so a connect storm does not
    /// make libdispatch spawn a thread per connection.
    let ioQueues: [DispatchQueue]

    init(configuration: DaemonConfiguration, tlsContext: TLSContext, audit: AuditLog, broker: Broker, logger: Logger) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.audit = audit
        self.broker = broker
        self.logger = logger
        self.verificationQueue = DispatchQueue(label: "nex.verify", qos: .userInitiated, attributes: .concurrent)
        let cores = max(1, System.coreCount)
        self.ioQueues = (0..<cores).map { DispatchQueue(label: "nex.io.\($0)", qos: .userInitiated) }
    }
}

/// Machine facts.
enum System {
    /// Online processor count.
    static var coreCount: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

#if canImport(Glibc)
import Glibc
#endif
