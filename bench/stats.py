"""Throughput and latency percentiles of one measured window."""

from __future__ import annotations

from typing import Any


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of an ascending list (0.0 for an empty one)."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise(latencies_ms: list[float], seconds: float, **extra: Any) -> dict[str, Any]:
    """Requests per second, mean and p50/p95/p99 in ms, rounded for reading; ``extra``
    kept as is."""
    ordered = sorted(latencies_ms)
    return {
        "requests": len(ordered),
        "throughput": round(len(ordered) / seconds, 1) if seconds else 0.0,
        "mean_ms": round(sum(ordered) / len(ordered), 3) if ordered else 0.0,
        "p50_ms": round(percentile(ordered, 0.50), 2),
        "p95_ms": round(percentile(ordered, 0.95), 2),
        "p99_ms": round(percentile(ordered, 0.99), 2),
        **extra,
    }


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None
