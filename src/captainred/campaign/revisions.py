"""The campaign schema's revisions: where the Alembic scripts live inside the package, which revision is the
newest, which one a database is at, and upgrading a database, in the caller's transaction, to the newest (or,
for tests and tools that build old databases, to a named one). No alembic.ini: the configuration is made here."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the campaign scripts, with `connection` handed to env.py."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = scripts().get_current_head()
    assert head is not None, "the campaign migrations have no head revision"
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in scripts().walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None for a database the migrations have never touched."""
    return MigrationContext.configure(connection).get_current_revision()


def user_tables(connection: Connection) -> list[str]:
    """The tables a database holds apart from Alembic's own, to tell an empty database from someone else's."""
    return sorted(name for name in inspect(connection).get_table_names() if name != "alembic_version")


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database on `connection` to `revision`, inside the transaction the caller has begun (on
    SQLite, with foreign keys switched off around it: a batch migration copies and renames tables)."""
    command.upgrade(alembic_config(connection), revision)
