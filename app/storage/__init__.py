"""Storage: the engine, the models and the queries. No HTTP, no Twilio, no Flask request."""
