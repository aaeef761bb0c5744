"""Audit: what practice reviews and partners rely on to reconstruct who knew what, when.

The event feed and exports read the event log in log order; the access log records
who outside a case's authorities read it; the ledger chains every event's hash, and
signed checkpoints of it let anyone prove later that the log was not altered.
"""
