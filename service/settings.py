"""The one place configuration is read: environment variables prefixed CASE_TRANSFER_.

Defaults run with zero set-up: an SQLite file under ./var and a development
principals file made on first start.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/case-transfer.sqlite3"
DEVELOPMENT_PRINCIPALS_FILE = Path("var/principals.development.toml")


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
        description="About how long a request waits for the database (a connection or a "
        "lock) before answering 503",
    )
    retry_after_seconds: int = Field(5, description="Retry-After sent with a 503")

    @property
    def uses_development_principals(self) -> bool:
        return self.principals_file is None

    @property
    def principals_path(self) -> Path:
        return self.principals_file or DEVELOPMENT_PRINCIPALS_FILE
