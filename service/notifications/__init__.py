"""Signed notifications to case systems: subscriptions, the outbox fed from the log,
and the workers that deliver it (README, "Notifications")."""
