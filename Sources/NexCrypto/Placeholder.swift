// NexCrypto: placeholder until the module lands.
