"""Writes of the exchange: register queries, consents, prefill and access records."""
