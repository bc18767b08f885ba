import NexNotices
import Testing
