"""Server-side sessions of staff signed in to the MASH pages.

A session is a random id in an HttpOnly cookie; the database keeps only its SHA-256
digest (``web_sessions``), so neither a backup nor a reader of the table can sign in
with it. Being server-side is what lets signing out end a session for good: a copy of
the cookie taken before sign-out finds ``ended_at`` set. A session also ends on its
own ``lifetime`` after sign-in, or after ``idle`` without a request.

The principal is re-checked against the principals file on every request, so a
principal removed from the file (and the service restarted) loses its sessions too.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, exc, insert, select, update

from service.adapters.event_store import StoreUnavailableError
from service.adapters.principals import Principal, PrincipalDirectory
from service.adapters.sql import writing
from service.adapters.tables import web_sessions
from service.domain.actors import Actor

# Writing last_seen_at at most this often keeps page views from each taking the
# database's write lock, at the cost of an idle timeout this much less exact.
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lasts: in all, and without a request."""

    lifetime: timedelta = timedelta(hours=8)
    idle: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class WebSession:
    """A live session: its secret id (from the cookie, never stored) and who holds it."""

    session_id: str
    principal: Principal
    expires_at: datetime

    @property
    def actor(self) -> Actor:
        """The principal as the application's queries take it."""
        return Actor(self.principal.name, self.principal.role, self.principal.authority)


def digest(session_id: str) -> str:
    """What the table stores of a session id."""
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


@contextmanager
def _store_errors() -> Iterator[None]:
    """The database's connection failures as the 503 the rest of the service answers."""
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError) as error:
        raise StoreUnavailableError(str(error)) from error


class SessionStore:
    """Sessions in ``web_sessions`` on the read models' engine."""

    def __init__(self, engine: Engine, policy: SessionPolicy) -> None:
        self.engine = engine
        self.policy = policy

    def start(self, principal: Principal, now: datetime) -> WebSession:
        """A new session for ``principal``; the id is returned once, for the cookie."""
        session_id = secrets.token_urlsafe(32)
        expires_at = now + self.policy.lifetime
        with _store_errors(), writing(self.engine) as connection:
            connection.execute(
                insert(web_sessions).values(
                    id_sha256=digest(session_id),
                    principal_name=principal.name,
                    role=principal.role,
                    authority=principal.authority,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires_at,
                    ended_at=None,
                )
            )
        return WebSession(session_id, principal, expires_at)

    def find(
        self, session_id: str | None, directory: PrincipalDirectory, now: datetime
    ) -> WebSession | None:
        """The live session with this id, its last use noted; None if there is none.

        None for an unknown id, one that was signed out, one past its lifetime or idle
        too long, and one whose principal is no longer in the principals file.
        """
        if not session_id or len(session_id) > 128:
            return None
        key = digest(session_id)
        with _store_errors(), self.engine.connect() as connection:
            row = connection.execute(
                select(web_sessions).where(web_sessions.c.id_sha256 == key)
            ).one_or_none()
        if row is None or row.ended_at is not None:
            return None
        if now >= row.expires_at or now >= row.last_seen_at + self.policy.idle:
            return None
        principal = Principal(row.principal_name, row.role, row.authority)
        if principal not in directory.principals:
            return None
        if now - row.last_seen_at >= _TOUCH_EVERY:
            with _store_errors(), writing(self.engine) as connection:
                connection.execute(
                    update(web_sessions)
                    .where(web_sessions.c.id_sha256 == key)
                    .where(web_sessions.c.last_seen_at < now)
                    .values(last_seen_at=now)
                )
        return WebSession(session_id, principal, row.expires_at)

    def end(self, session_id: str, now: datetime) -> None:
        """Sign out: the session id no longer works, wherever the cookie was copied to."""
        with _store_errors(), writing(self.engine) as connection:
            connection.execute(
                update(web_sessions)
                .where(web_sessions.c.id_sha256 == digest(session_id))
                .where(web_sessions.c.ended_at.is_(None))
                .values(ended_at=now)
            )
