"""Channel adapters: provider or browser I/O in, `InboundMessage` to the conversation service."""
