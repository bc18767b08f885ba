// NexClient: placeholder until the module lands.
