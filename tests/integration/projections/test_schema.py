"""The read models' schema: Alembic migrations build exactly the tables the code defines,
and the service refuses to run against a schema at another revision."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from service.adapters.event_store import eventsourcing_env
from service.adapters.sql import (
    ReadModelSchemaError,
    check_schema,
    migrate,
    open_engine,
    prepare_schema,
    schema_revisions,
)
from service.adapters.tables import LEDGER, READ_MODELS, metadata, positions
from service.notifications.tables import NOTIFICATIONS
from service.settings import Settings


class TestMigrations:
    def test_build_exactly_the_tables_the_code_defines(self, database_url: str) -> None:
        engine = open_engine(Settings(database_url=database_url))
        try:
            migrate(engine)
            with engine.connect() as connection:
                differences = compare_metadata(MigrationContext.configure(connection), metadata)
            assert differences == []
        finally:
            engine.dispose()

    def test_start_each_log_position_at_zero(self, database_url: str) -> None:
        engine = open_engine(Settings(database_url=database_url))
        try:
            migrate(engine)
            with engine.connect() as connection:
                rows = connection.execute(positions.select().order_by(positions.c.name)).all()
            assert [tuple(row) for row in rows] == [
                (LEDGER, 0, 0),
                (NOTIFICATIONS, 0, 0),
                (READ_MODELS, 0, 0),
            ]
        finally:
            engine.dispose()

    def test_running_twice_changes_nothing(self, database_url: str) -> None:
        engine = open_engine(Settings(database_url=database_url))
        try:
            migrate(engine)
            migrate(engine)
            current, head = schema_revisions(engine)
            assert current == head is not None
            with engine.connect() as connection:
                assert connection.scalar(text("SELECT COUNT(*) FROM rm_positions")) == 3
        finally:
            engine.dispose()


class TestSchemaCheck:
    def test_refuses_a_database_never_migrated(self, database_url: str) -> None:
        engine = open_engine(Settings(database_url=database_url))
        try:
            with pytest.raises(ReadModelSchemaError, match="case-transfer migrate"):
                check_schema(engine)
        finally:
            engine.dispose()

    def test_without_upgrade_start_up_refuses_instead_of_creating(self, database_url: str) -> None:
        settings = Settings(database_url=database_url)
        engine = open_engine(settings)
        try:
            with pytest.raises(ReadModelSchemaError):
                prepare_schema(engine, eventsourcing_env(settings), upgrade=False)
            assert "rm_cases" not in inspect(engine).get_table_names()
        finally:
            engine.dispose()

    def test_with_upgrade_start_up_migrates(self, database_url: str) -> None:
        settings = Settings(database_url=database_url)
        engine = open_engine(settings)
        try:
            prepare_schema(engine, eventsourcing_env(settings), upgrade=True)
            check_schema(engine)
        finally:
            engine.dispose()

    def test_refuses_a_schema_from_a_newer_version(self, database_url: str) -> None:
        settings = Settings(database_url=database_url)
        engine = open_engine(settings)
        try:
            migrate(engine)
            with engine.begin() as connection:
                connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
            with pytest.raises(ReadModelSchemaError, match="9999"):
                check_schema(engine)
        finally:
            engine.dispose()


def test_sqlite_engine_reads_the_same_file_as_the_event_store(tmp_path: object) -> None:
    """One URL names both: the read models live beside the log, in one backup."""
    url = f"sqlite:///{tmp_path}/one.sqlite3"
    engine = open_engine(Settings(database_url=url))
    try:
        migrate(engine)
    finally:
        engine.dispose()
    plain = create_engine(url)
    try:
        assert "rm_cases" in inspect(plain).get_table_names()
    finally:
        plain.dispose()
