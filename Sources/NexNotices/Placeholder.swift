// NexNotices: placeholder until the module lands.
