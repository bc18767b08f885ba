// NexServer: placeholder until the module lands.
