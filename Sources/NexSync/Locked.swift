#if canImport(Glibc)
import Glibc
#endif

/// A value guarded by a `pthread_mutex_t`: the lock nexd's shared state uses.
///
/// Why not `Synchronization.Mutex`? On Linux it parks on a futex that ThreadSanitizer cannot see,
/// so every access under it is reported as a race and `swift test --sanitize=thread` drowns real
/// reports in false ones. ThreadSanitizer intercepts pthread mutexes, so state guarded by this lock
/// is checked precisely. Uncontended, both cost one atomic instruction each way.
///
/// Keep the critical sections short and never call out to code that may take another lock.
///
/// Never guard a bare closure (`Locked<(() -> Void)?>`): `withLock` gives `inout` access to a value
/// stored at the generic type's abstraction, so every access to a function value re-wraps it in a
/// reabstraction thunk and stores the wrapper back — a chain that grows by one thunk pair per access
/// and costs a call each (the audit writer's batch handler grew one per batch until a profile found
/// it). Box the closure in a final class (``AuditLog``'s `BatchHandler`); arrays and structs of
/// closures are not affected.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// Creates a lock guarding `value`.
    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value and returns its result.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        return try body(&valueStorage)
    }

    @usableFromInline
    func lock() { pthread_mutex_lock(mutex) }

    @usableFromInline
    func unlock() { pthread_mutex_unlock(mutex) }

    @usableFromInline
    var valueStorage: Value {
        _read { yield value }
        _modify { yield &value }
    }
}
