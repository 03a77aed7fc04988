"""Storage config: the data directory and the event database.

SQLite in the data directory is the default; set ``database_url`` for PostgreSQL and keep
its password out of the file with ``database_password_env``::

    storage:
      data_dir: /var/lib/vigil
      database_url: postgresql://vigil@db.lan:5432/vigil
      database_password_env: VIGIL_DB_PASSWORD
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from vigil.config.base import StrictModel
from vigil.config.outputs import EnvName, secret_from_env
from vigil.errors import ConfigError

DATABASE_FILE = "vigil.db"


class StorageConfig(StrictModel):
    """Where Vigil keeps its database, snapshots and clips."""

    data_dir: Path = Field(
        Path("data"), description="Folder for the SQLite database, snapshots and clips (created if missing)."
    )
    database_url: str | None = Field(
        None, min_length=9, max_length=2048,
        description="sqlite:///path or postgresql://user@host:port/dbname; default: SQLite file vigil.db in data_dir.",
    )
    database_password_env: EnvName | None = Field(
        None, description="Environment variable holding the database password (for database_url)."
    )

    @field_validator("database_url")
    @classmethod
    def _supported(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from vigil.events.engine import parse_url, safe_url

        try:
            u = parse_url(v)
        except ConfigError as e:
            raise ValueError(str(e).removeprefix("database_url: ")) from None
        if u.password is not None:
            raise ValueError(
                f"{safe_url(u)}: put the password in an environment variable named by database_password_env"
            )
        return v

    @model_validator(mode="after")
    def _env_needs_url(self) -> StorageConfig:
        if self.database_password_env is not None and self.database_url is None:
            raise ValueError("database_password_env needs a database_url")
        return self

    def url(self) -> str:
        """The database URL to open, with the password from the environment when configured."""
        if self.database_url is None:
            return f"sqlite:///{(self.data_dir / DATABASE_FILE).expanduser().resolve()}"
        if self.database_password_env is None:
            return self.database_url
        from vigil.events.engine import parse_url

        password = secret_from_env(self.database_password_env, "storage.database_password_env")
        return parse_url(self.database_url).set(password=password).render_as_string(hide_password=False)
