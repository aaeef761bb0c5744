"""The one place configuration is read: environment variables prefixed CASE_TRANSFER_.

Defaults run with zero set-up: an SQLite file under ./var and a development
principals file made on first start. ``CASE_TRANSFER_ENV=production`` turns those
conveniences into refusals (``service.bootstrap.check_settings``). Configuration only:
this module imports nothing of the service's, so every layer may read it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/case-transfer.sqlite3"
DEVELOPMENT_PRINCIPALS_FILE = Path("var/principals.development.toml")


class SettingsError(ValueError):
    """Raised when the settings are not ones the service may start with."""


class Settings(BaseSettings):
    """Everything an operator can set; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="CASE_TRANSFER_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="sqlite:///path or postgresql://user[:password]@host:port/db[?schema=name]",
    )
    principals_file: Path | None = Field(
        None, description="TOML file of principals; unset: a development file under ./var"
    )
    max_body_bytes: int = Field(1024 * 1024, description="Larger request bodies get 413")
    store_timeout_seconds: int = Field(
        10,
        ge=1,
        description="How long a request may wait on the database in all, from its arrival "
        "(a connection, a lock, a statement, the lists catching up, the access log): once "
        "it has passed the request answers 503 with Retry-After",
    )
    store_concurrency: int = Field(
        10,
        ge=1,
        description="How many requests of one process may use the database at once; the "
        "next wait their turn within the store timeout, so a database that stops "
        "answering cannot hold every worker thread",
    )
    retry_after_seconds: int = Field(5, description="Retry-After sent with a 503")
    shutdown_grace_seconds: int = Field(
        20,
        ge=0,
        description="On SIGTERM, how long requests in flight may take to finish before "
        "they are cancelled; keep the orchestrator's stop timeout longer",
    )
    create_tables: bool = Field(
        True,
        description="Create the event tables and their append-only triggers at start; false "
        "when the database role owns nothing and the tables already exist (README)",
    )
    env: Literal["development", "production"] = Field(
        "development",
        description="production refuses to start without a principals file, an encryption "
        "key and a signing key, and never makes the development principals file or key",
    )
    encryption_key: SecretStr | None = Field(
        None,
        description="base64 of 16, 24 or 32 random bytes (case-transfer keygen): event "
        "payloads are encrypted with AES-GCM and the child index is keyed with it",
    )
    signing_key: SecretStr | None = Field(
        None,
        description="base64 of a 32-byte Ed25519 private seed (case-transfer signing-keygen): "
        "signs ledger checkpoints; unset in development: a key made in "
        "var/signing-key.development",
    )
    signing_retired_public_keys: str | None = Field(
        None,
        description="comma-separated base64 Ed25519 public keys of former signing keys, so "
        "checkpoints they signed still verify (listed by /v1/ledger/keys as not current)",
    )

    govuk_frontend_dir: Path | None = Field(
        None,
        description="The installed govuk-frontend dist/govuk folder the MASH pages' assets "
        "are served from; unset: node_modules of the repository (npm ci)",
    )
    read_model_wait_seconds: float = Field(
        5.0,
        gt=0,
        description="How long a list or worklist waits for the read models to reflect every "
        "write recorded before it was asked (read your writes) before answering 503",
    )
    projection_interval_seconds: float = Field(
        0.5, gt=0, description="How often each process brings the read models up to date"
    )
    transfer_date_horizon_days: int = Field(
        180,
        ge=0,
        description="How many days ahead a transfer date may be proposed or agreed; a later "
        "date is refused (422 transfer-date-beyond-horizon)",
    )
    settle_margin_seconds: float = Field(
        5.0,
        ge=0,
        le=60,
        description="How long after it is recorded an acceptance for today takes effect; "
        "its commit must be ready within the first half, or the command runs again. 0 "
        "turns this off: rule 3 then holds only up to the length of a commit",
    )
    snapshot_interval: int = Field(
        100,
        ge=0,
        description="Snapshot a case at every this many events, so that its first read after "
        "a start need not replay its whole history (a cache: the events stay the record); "
        "0 keeps no snapshots",
    )
    worklist_share_information_days: int = Field(
        5, ge=0, description="Working days the originating authority has to share information"
    )
    worklist_confirm_receipt_days: int = Field(
        2, ge=0, description="Working days the receiving authority has to confirm receipt"
    )
    worklist_decide_transfer_days: int = Field(
        10,
        ge=0,
        description="Working days the receiving authority has to accept or decline, from "
        "information being shared",
    )
    worklist_assess_after_handover_days: int = Field(
        45,
        ge=0,
        description="Working days the receiving authority has to complete its own "
        "assessment after a hand-over",
    )

    decision_minutes_days: int = Field(
        1,
        ge=0,
        description="Working days after a strategy discussion by which its minutes are due "
        "to every agency invited or attending (rule 12)",
    )
    decision_acknowledgement_days: int = Field(
        2,
        ge=0,
        description="Working days after the minutes reach an attending agency by which it "
        "acknowledges them or records a dissent",
    )
    decision_stage_days: str = Field(
        "3,5,5,10",
        pattern=r"^\s*\d{1,3}\s*(,\s*\d{1,3}\s*){3}$",
        description="Working days each stage (1 practitioners, 2 managers, 3 senior "
        "managers, 4 safeguarding partnership) of a professional difference is answered "
        "within, comma-separated: your local protocol's figures",
    )
    notify_timeout_seconds: float = Field(
        10.0, gt=0, description="How long a notification's receiver has to answer"
    )
    notify_retry_base_seconds: float = Field(
        5.0, gt=0, description="The first wait before a failed notification is tried again"
    )
    notify_retry_max_interval_seconds: float = Field(
        3600.0, gt=0, description="The longest wait between two tries of a notification"
    )
    notify_retry_window_seconds: float = Field(
        93600.0,
        gt=0,
        description="How long a failing notification is retried (26 h) before it is given up",
    )
    notify_disable_after_seconds: float = Field(
        259200.0,
        gt=0,
        description="A subscription whose endpoint has failed for this long (3 days) is disabled",
    )
    notify_secret_overlap_seconds: float = Field(
        86400.0,
        ge=0,
        description="After a secret rotation, how long notifications are also signed with "
        "the old secret",
    )
    notify_allowed_hosts: str | None = Field(
        None,
        description="Comma-separated host names, addresses or networks (CIDR) that endpoints "
        "may resolve to in production although private",
    )
    notify_deliver_in_serve: bool | None = Field(
        None,
        description="Deliver notifications from a background thread of serve; unset: in "
        "development only (run case-transfer deliver in production)",
    )
    notify_poll_seconds: float = Field(
        0.5, gt=0, description="How often a delivery worker looks for notifications due"
    )
    notify_concurrency: int = Field(
        8, ge=1, le=64, description="Notifications one delivery worker sends at once"
    )

    @property
    def uses_development_principals(self) -> bool:
        return self.principals_file is None

    @property
    def principals_path(self) -> Path:
        return self.principals_file or DEVELOPMENT_PRINCIPALS_FILE
