// NexBroker: placeholder until the module lands.
