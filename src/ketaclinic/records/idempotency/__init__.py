"""Idempotency keys: a create sent twice with the same key is done once and answered twice."""
