"""The case aggregate (``aggregate.py``), its parts, its state, and its rules."""

from .aggregate import CASE_TOPICS, Case
from .state import CLOSED, OPEN

__all__ = ["CASE_TOPICS", "CLOSED", "OPEN", "Case"]
