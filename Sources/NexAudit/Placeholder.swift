// NexAudit: placeholder until the module lands.
