"""The delivery loop: schedule from the log, then send what is due; again and again.

One loop per ``case-transfer deliver`` process, and one thread in ``serve`` in
development. A failure (the database away, a bug) is logged with its traceback and
tried again after a pause that grows, never skipped: the outbox keeps what was not sent.
"""

from __future__ import annotations

import logging
import threading
import time

from service.adapters.log_follower import CatchesUp

from .delivery import Deliverer

logger = logging.getLogger("service.notifications")


class DeliveryWorker:
    """Keeps the outbox fed (``scheduler``) and emptied (``deliverer``)."""

    def __init__(self, scheduler: CatchesUp, deliverer: Deliverer, poll: float) -> None:
        self.scheduler = scheduler
        self.deliverer = deliverer
        self.poll = poll
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Until ``stopping`` is set: catch up, send, and pause only when idle."""
        pause = self.poll
        while not self.stopping.is_set():
            try:
                self.scheduler.catch_up(deadline=time.monotonic() + 5)
                sent = self.deliverer.deliver_due()
                pause = self.poll
            except Exception:
                logger.exception("notifications could not be delivered; retrying")
                pause = min(max(pause * 2, 1.0), 30.0)
                sent = 0
            if not sent:
                self.stopping.wait(pause)

    def start(self) -> None:
        """Run in a background thread (``serve`` in development)."""
        self._thread = threading.Thread(target=self.run, name="deliver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.deliverer.close()
