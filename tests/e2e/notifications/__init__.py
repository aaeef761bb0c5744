"""Notifications end to end: real receivers, real workers."""
