// NexWire: placeholder until the module lands.
