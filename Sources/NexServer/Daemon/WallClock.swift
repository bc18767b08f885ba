import NexSync

/// The daemon's files name the clock unqualified without importing NexSync each (it moved there so
/// that `nex` reads the same clock without linking the daemon).
typealias WallClock = NexSync.WallClock
