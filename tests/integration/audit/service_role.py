"""The service's PostgreSQL role as the README's production grants make it.

``production_role(schema)`` creates a login role holding exactly the grants the
README's "Append-only store" and "Read models" paragraphs list, on a schema whose
tables the owner (the test's superuser) has already made, and yields its URL. What
the role can do there is what the service itself, or anyone with its password, can.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

EVENTS = "casetransferapplication_events"
SNAPSHOTS = "casetransferapplication_snapshots"


def readme_grants(
    schema: str, role: str, read_models: list[str], *, snapshots: bool = True
) -> list[str]:
    """The README's grants, table by table (the snapshots' only where the store has
    that table: one opened without an encryption key keeps no snapshots)."""
    s = f'"{schema}"'
    kept = ", ".join(f"{s}.{table}" for table in [*read_models, "web_sessions"])
    return [
        f"GRANT USAGE ON SCHEMA {s} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE ON {s}.{EVENTS} TO {role}",
        f"GRANT USAGE ON SEQUENCE {s}.{EVENTS}_notification_id_seq TO {role}",
        *([f"GRANT SELECT, INSERT ON {s}.{SNAPSHOTS} TO {role}"] if snapshots else []),
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {kept} TO {role}",
        f"GRANT SELECT, INSERT ON {s}.ledger TO {role}",
        f"GRANT SELECT, INSERT ON {s}.access_log TO {role}",
        f"GRANT USAGE ON SEQUENCE {s}.access_log_entry_id_seq TO {role}",
        f"GRANT SELECT ON {s}.alembic_version TO {role}",
    ]


@contextmanager
def production_role(base_url: str, schema: str) -> Iterator[str]:
    """A role with only the README's grants on ``schema``; yields its database URL."""
    import psycopg

    role = f"case_service_{uuid4().hex[:12]}"
    password = uuid4().hex
    with psycopg.connect(base_url, autocommit=True) as owner:
        read_models = [
            row[0]
            for row in owner.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename LIKE 'rm%%'",
                (schema,),
            )
        ]
        snapshots = owner.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s",
            (schema, SNAPSHOTS),
        ).fetchone()
        owner.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        for grant in readme_grants(schema, role, read_models, snapshots=snapshots is not None):
            owner.execute(grant)
    parts = urlsplit(base_url)
    netloc = f"{role}:{password}@{parts.hostname}:{parts.port or 5432}"
    try:
        yield urlunsplit(parts._replace(netloc=netloc, query=f"schema={schema}"))
    finally:
        with psycopg.connect(base_url, autocommit=True) as owner:
            owner.execute(f"DROP OWNED BY {role}")
            owner.execute(f"DROP ROLE {role}")
