"""The one place the service is built from its Settings.

The API (``service.asgi``), every command of the CLI, the benchmarks and the tests ask
here for what they need rather than putting the store, the application and the
followers of the log together themselves:

- ``check_settings``: refuse settings the service must not start with (one line);
- ``open_store``: the application over the event store (``read_only`` for commands
  that must change nothing, not even by DDL);
- ``open_memory_store``: the same in memory, for the application's tests;
- ``open_engine``: the SQL engine on the same database, for what is kept beside the log;
- ``open_service``: both, with the read models' projector and queries, the ledger and
  the access log, the schema prepared;
- ``Service.serve``: what a serving process adds: principals, signed checkpoints and
  the background threads that keep the read models and the ledger close to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from .adapters.event_store import eventsourcing_env
from .adapters.keys import child_index_key, decode_encryption_key, notification_secrets_key
from .adapters.log_follower import BackgroundFollower
from .adapters.principals import PrincipalDirectory, load_principals
from .adapters.sql import check_schema, open_engine, prepare_schema, sql_errors
from .application import CaseTransferApplication, utc_now
from .audit.access_log import AccessLog
from .audit.ledger import Checkpoints, LedgerProjector
from .audit.signing import (
    DEVELOPMENT_SIGNING_KEY_FILE,
    SigningKeys,
    decode_public_keys,
    decode_signing_key,
    development_key_notice,
    development_signing_key,
)
from .notifications.delivery import Deliverer
from .notifications.scheduler import NotificationScheduler
from .notifications.sealing import SecretBox
from .notifications.subscriptions import Subscriptions
from .notifications.worker import DeliveryWorker
from .policies import (
    decision_timescales,
    delivers_in_serve,
    endpoint_policy,
    retry_schedule,
    timescales,
)
from .projections.projector import Projector
from .projections.queries import ReadModels
from .settings import Settings, SettingsError

__all__ = [
    "Service",
    "check_settings",
    "open_engine",
    "open_memory_store",
    "open_service",
    "open_store",
    "signing_keys",
]

logger = logging.getLogger("service.audit")
Clock = Callable[[], datetime]


def check_settings(settings: Settings) -> None:
    """Refuse to start with a malformed key, or in production without the real setup.

    Raises SettingsError (or EncryptionKeyError or SigningKeyError, also ValueErrors)
    with one line.
    """
    if settings.encryption_key is not None:
        decode_encryption_key(settings.encryption_key)
    if settings.signing_key is not None:
        decode_signing_key(settings.signing_key)
    decode_public_keys(settings.signing_retired_public_keys)
    if settings.env != "production":
        return
    missing = [
        name
        for name, value in (
            ("CASE_TRANSFER_PRINCIPALS_FILE", settings.principals_file),
            ("CASE_TRANSFER_ENCRYPTION_KEY", settings.encryption_key),
            ("CASE_TRANSFER_SIGNING_KEY", settings.signing_key),
        )
        if value is None
    ]
    if missing:
        *rest, last = missing
        names = f"{', '.join(rest)} and {last}" if rest else last
        raise SettingsError(f"CASE_TRANSFER_ENV=production needs {names}; refusing to start")


def signing_keys(settings: Settings, *, create: bool = True) -> SigningKeys:
    """The keys ``settings`` name; in development without one, the development key.

    ``create=False`` (verifying only) never makes the development file: without a key
    there is nothing to sign with, and only the retired keys (and the development key,
    if it exists) can vouch for a checkpoint.
    """
    retired = decode_public_keys(settings.signing_retired_public_keys)
    key = settings.signing_key
    development = key is None and settings.env != "production"
    if development and (create or DEVELOPMENT_SIGNING_KEY_FILE.exists()):
        key, made = development_signing_key(DEVELOPMENT_SIGNING_KEY_FILE)
        if made:  # `serve` announces an existing key itself, once, before it starts
            logger.warning(development_key_notice(DEVELOPMENT_SIGNING_KEY_FILE, made))
    return SigningKeys(decode_signing_key(key) if key is not None else None, retired)


def open_store(
    settings: Settings, clock: Clock = utc_now, *, read_only: bool = False
) -> CaseTransferApplication:
    """The application over the event store ``settings`` name.

    ``read_only``: the store is opened as it is, no table or trigger created.
    """
    env = eventsourcing_env(settings, read_only=read_only)
    return CaseTransferApplication(
        env,
        clock,
        index_key=child_index_key(settings.encryption_key),
        read_only=read_only,
        transfer_date_horizon_days=settings.transfer_date_horizon_days,
        store_timeout_seconds=settings.store_timeout_seconds,
        settle_margin=timedelta(seconds=settings.settle_margin_seconds),
        snapshot_interval=settings.snapshot_interval,
        decision_timescales=decision_timescales(settings),
    )


def open_memory_store(clock: Clock = utc_now) -> CaseTransferApplication:
    """The application over an event store in memory: the use cases without I/O, for
    the application's own tests. Nothing survives the process."""
    env = {"PERSISTENCE_MODULE": "eventsourcing.popo", "CIPHER_TOPIC": ""}
    return CaseTransferApplication(env, clock, index_key=child_index_key(None))


@dataclass
class Service:
    """Everything a process of the service works with, built once from Settings."""

    settings: Settings
    application: CaseTransferApplication
    engine: Engine
    projector: Projector
    read_models: ReadModels
    ledger: LedgerProjector
    access_log: AccessLog
    scheduler: NotificationScheduler
    subscriptions: Subscriptions
    principals: PrincipalDirectory = field(default_factory=lambda: PrincipalDirectory([]))
    checkpoints: Checkpoints | None = None
    _followers: list[BackgroundFollower] = field(default_factory=list)
    _worker: DeliveryWorker | None = None

    @property
    def clock(self) -> Clock:
        return self.application.clock

    def serve(self) -> None:
        """What a serving process adds: principals, checkpoints, background followers."""
        self.principals = load_principals(self.settings.principals_path)
        self.checkpoints = Checkpoints(
            self.ledger,
            signing_keys(self.settings),  # in development, made under ./var and logged
            clock=self.clock,
            wait_seconds=self.settings.read_model_wait_seconds,
        )
        interval = self.settings.projection_interval_seconds
        self._followers = [
            BackgroundFollower(self.projector, interval),
            BackgroundFollower(self.ledger, interval, name="ledger"),
            BackgroundFollower(self.scheduler, interval, name="notification-scheduler"),
        ]
        for follower in self._followers:
            follower.start()
        if delivers_in_serve(self.settings):
            self._worker = self.delivery_worker()
            self._worker.start()

    def delivery_worker(self) -> DeliveryWorker:
        """A loop that schedules notifications from the log and delivers them."""
        settings = self.settings
        deliverer = Deliverer(
            self.engine,
            retry_schedule(settings),
            endpoint_policy(settings),
            timeout=settings.notify_timeout_seconds,
            concurrency=settings.notify_concurrency,
            clock=utc_now,
            box=self.subscriptions.box,
        )
        return DeliveryWorker(self.scheduler, deliverer, settings.notify_poll_seconds)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        for follower in reversed(self._followers):
            follower.stop()
        self._followers = []
        self.engine.dispose()
        self.application.close()


def open_service(settings: Settings, clock: Clock = utc_now, *, read_only: bool = False) -> Service:
    """The application, the SQL engine and what reads and feeds from both.

    The encryption key must read the store (no start otherwise). The schema of the
    tables beside the log is upgraded (development) or checked (``create_tables``
    false); ``read_only`` only checks it.
    """
    application = open_store(settings, clock, read_only=read_only)
    engine = open_engine(settings)
    try:
        application.check_key()  # a key that cannot read the store: no start
        with sql_errors():
            if read_only:
                check_schema(engine)
            else:
                env = eventsourcing_env(settings)
                prepare_schema(engine, env, upgrade=settings.create_tables)
        projector = Projector(application, engine)
        read_models = ReadModels(
            projector,
            timescales=timescales(settings),
            wait_seconds=settings.read_model_wait_seconds,
            clock=clock,
        )
        ledger = LedgerProjector(application, engine)
        scheduler = NotificationScheduler(application, engine, utc_now)
        subscriptions = Subscriptions(
            engine,
            scheduler.head,
            endpoint_policy(settings),
            overlap=timedelta(seconds=settings.notify_secret_overlap_seconds),
            timeout=settings.notify_timeout_seconds,
            clock=utc_now,
            box=SecretBox(notification_secrets_key(settings.encryption_key)),
        )
    except BaseException:
        engine.dispose()
        application.close()
        raise
    return Service(
        settings,
        application,
        engine,
        projector,
        read_models,
        ledger,
        AccessLog(engine, clock),
        scheduler,
        subscriptions,
    )
