"""Which representation a client asked for with ``Accept``: JSON unless it prefers CSV."""

from __future__ import annotations

CSV = "text/csv"


def prefers_csv(accept: str | None) -> bool:
    """Whether ``accept`` ranks ``text/csv`` above JSON (RFC 9110 quality values).

    JSON stays the answer to no ``Accept``, to ``*/*``, to a tie and to anything this
    route cannot send: a client must ask for CSV by name.
    """
    if not accept:
        return False
    csv_q = json_q = 0.0
    for media_range in accept.split(","):
        media, *params = (part.strip() for part in media_range.split(";"))
        quality = _quality(params)
        media = media.lower()
        if media == CSV:
            csv_q = max(csv_q, quality)
        elif media in ("application/json", "application/*", "*/*"):
            json_q = max(json_q, quality)
    return csv_q > json_q


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(1.0, max(0.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0
