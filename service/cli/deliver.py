"""``case-transfer deliver``: schedule notifications from the log and deliver them.

Run one or more beside ``serve`` in production (several against one PostgreSQL share
the outbox without sending anything twice at once). SIGTERM and SIGINT stop it after
the round in flight; SIGKILL loses nothing: what was not recorded as delivered is
sent again once its lease runs out.
"""

from __future__ import annotations

import argparse
import logging
import signal
from types import FrameType
from typing import Any

from ..bootstrap import check_settings, open_service
from ..settings import Settings


def register(commands: Any) -> None:
    deliver = commands.add_parser(
        "deliver",
        help="deliver signed notifications to subscribers' endpoints",
        description="Schedule a notification for every event each subscription may see, "
        "and deliver them, retrying with back-off, until stopped (SIGTERM).",
    )
    deliver.set_defaults(run=_deliver)


def _deliver(args: argparse.Namespace) -> int:
    settings = Settings()
    check_settings(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    service = open_service(settings)
    worker = service.delivery_worker()

    def stop(signum: int, frame: FrameType | None) -> None:
        worker.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("Delivering notifications (stop with SIGTERM)", flush=True)
    try:
        worker.run()
    finally:
        worker.deliverer.close()
        service.close()
    return 0
