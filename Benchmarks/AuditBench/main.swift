import Dispatch
import Foundation
import NexAudit
import NexCrypto
import Synchronization

// AuditBench: figures for the audit log. Not a test: prints measurements.
//   swift run -c release AuditBench [all|writer|large] [--records N] [--dir DIR] [--nex PATH]
// See Benchmarks/README.md.
try AuditBench(arguments: Array(CommandLine.arguments.dropFirst())).run()
