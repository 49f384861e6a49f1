"""The background worker that never loses work: heartbeats, leases, retries, reconnection."""
