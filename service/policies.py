"""The domain's policies as the settings give them: the worklist's and the decisions'
timescales, where notifications may go and when to try again, and whether ``serve``
delivers them itself.

Regional procedures and deployments differ, so each figure is a setting; the domain
takes only these values, never the settings themselves (``bootstrap`` uses them to
build the service).
"""

from __future__ import annotations

from datetime import timedelta

from .domain.decision_timescales import DecisionTimescales
from .domain.notifications import EndpointPolicy, RetrySchedule
from .domain.worklist import Timescales
from .settings import Settings


def timescales(settings: Settings) -> Timescales:
    """The worklist's timescales (regional procedures differ, so each is a setting)."""
    return Timescales(
        share_information=settings.worklist_share_information_days,
        confirm_receipt=settings.worklist_confirm_receipt_days,
        decide_transfer=settings.worklist_decide_transfer_days,
        assess_after_handover=settings.worklist_assess_after_handover_days,
        decisions=decision_timescales(settings),
    )


def decision_timescales(settings: Settings) -> DecisionTimescales:
    """When minutes, acknowledgements and professional-difference stages are due."""
    stages = tuple(int(days) for days in settings.decision_stage_days.split(","))
    return DecisionTimescales(
        minutes=settings.decision_minutes_days,
        acknowledgement=settings.decision_acknowledgement_days,
        stages=stages,
    )


def endpoint_policy(settings: Settings) -> EndpointPolicy:
    """Where notifications may be sent: production's rules, and the hosts it allows."""
    allowed = (settings.notify_allowed_hosts or "").split(",")
    return EndpointPolicy(
        production=settings.env == "production",
        allowed=tuple(entry.strip() for entry in allowed if entry.strip()),
    )


def retry_schedule(settings: Settings) -> RetrySchedule:
    return RetrySchedule(
        base=timedelta(seconds=settings.notify_retry_base_seconds),
        cap=timedelta(seconds=settings.notify_retry_max_interval_seconds),
        window=timedelta(seconds=settings.notify_retry_window_seconds),
        disable_after=timedelta(seconds=settings.notify_disable_after_seconds),
    )


def delivers_in_serve(settings: Settings) -> bool:
    """Whether ``serve`` delivers notifications itself: by default in development only."""
    if settings.notify_deliver_in_serve is not None:
        return settings.notify_deliver_in_serve
    return settings.env != "production"
