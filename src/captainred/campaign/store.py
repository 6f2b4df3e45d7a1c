"""The campaign database as the game sees it: `open_store` finds it (a SQLite file under the user's data
directory by default, another file, or a PostgreSQL server by URL), refuses in one readable line what it
cannot use (a server out of reach, a file that is not a database, a schema newer than this code, a campaign
another process holds), and upgrades it to the newest schema revision; `Store.transaction` is the one way to
change it, one transaction at a time and one process at a time, so that an operation's results are stored
whole or not at all. A store opened `read_only` (what `campaign status`, `history` and `export` use) takes no
write lock at all, not even to check the schema's revision, so it answers while another process is writing:
on SQLite it opens the file read-only (`mode=ro`) and reads in a plain deferred transaction; on PostgreSQL its
transactions are READ ONLY and take no advisory lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Literal

import platformdirs
from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from captainred.campaign import revisions

DEFAULT_FILENAME: Final = "campaigns.db"
BUSY_TIMEOUT_S: Final = 5.0
CONNECT_TIMEOUT_S: Final = 5
# PostgreSQL's advisory locks share one key space per database: ours carry "CRED" in their upper 32 bits.
CAMPAIGN_LOCK_CLASS: Final = 0x4352_4544
MIGRATION_LOCK_KEY: Final = CAMPAIGN_LOCK_CLASS << 32

_SQLITE_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_SQLITE_PROBLEMS: Final = {
    sqlite3.SQLITE_NOTADB: "the file is not a database",
    sqlite3.SQLITE_CORRUPT: "the database file is damaged",
    sqlite3.SQLITE_CANTOPEN: "cannot open the file",
    sqlite3.SQLITE_READONLY: "the file is read-only",
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_IOERR: "the disk failed to read or write",
    sqlite3.SQLITE_PERM: "permission denied",
}
_PG_LOCK_NOT_AVAILABLE: Final = "55P03"
_PG_DISK_FULL: Final = "53100"
_PG_READ_ONLY_TRANSACTION: Final = "25006"


class CampaignStoreError(Exception):
    """A campaign database that cannot be used right now, said in one line that names it."""


class _ReaderRefused(CampaignStoreError):
    """SQLite refused a read-only connection what only a writer may do (roll back a journal left behind)."""


def campaign_lock_key(campaign_id: int) -> int:
    """The PostgreSQL advisory lock a transaction on this campaign holds."""
    return (CAMPAIGN_LOCK_CLASS << 32) | (campaign_id & 0xFFFF_FFFF)


def default_database_path() -> Path:
    """Where campaigns live when the player names no database: `campaigns.db` in the user's data directory."""
    return Path(platformdirs.user_data_dir("captainred")) / DEFAULT_FILENAME


class Store:
    """An open campaign database at the newest schema revision. Use `transaction()` for every read and
    write; `close()` (or a `with` block) lets its connections go."""

    def __init__(self, engine: Engine, name: str, busy_timeout_s: float, *, read_only: bool = False) -> None:
        self.engine = engine
        self.name = name
        self.busy_timeout_s = busy_timeout_s
        self.read_only = read_only

    @property
    def backend(self) -> Literal["sqlite", "postgresql"]:
        return "sqlite" if self.engine.dialect.name == "sqlite" else "postgresql"

    def __repr__(self) -> str:
        return f"Store({self.name!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self, campaign_id: int | None = None) -> Iterator[Session]:
        """One transaction, as a Session: committed when the block ends, rolled back if it raises (or if the
        process dies in it). Only one process writes at a time: on SQLite the whole file is taken (BEGIN
        IMMEDIATE) whatever `campaign_id` says; on PostgreSQL the campaign named is (an advisory lock held
        until the transaction ends). Either way a second writer waits up to `busy_timeout_s` and is then
        refused with a CampaignStoreError saying the database is busy. In a read-only store the transaction
        only reads (a snapshot, on PostgreSQL), takes no lock a writer holds, and may not write."""
        with Session(self.engine, expire_on_commit=False) as session:
            with self._refusals():
                session.begin()
                connection = session.connection()
                if self.backend == "postgresql" and self.read_only:
                    connection.execute(text("SET TRANSACTION READ ONLY"))
                elif self.backend == "postgresql" and campaign_id is not None:
                    self._hold_advisory_lock(connection, campaign_lock_key(campaign_id))
            try:
                yield session
            except DBAPIError as exc:  # a write refused mid-way (a full disk, say): nothing of it stays
                session.rollback()
                refusal = self._refusal(exc)
                if refusal is None:
                    raise
                raise refusal from exc
            except BaseException:
                session.rollback()
                raise
            with self._refusals():
                session.commit()

    def _hold_advisory_lock(self, connection: Connection, key: int) -> None:
        """Take a transaction-scoped advisory lock, waiting at most the busy timeout for it."""
        previous = connection.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
        timeout_ms = f"{max(1, round(self.busy_timeout_s * 1000))}ms"
        connection.execute(text("SELECT set_config('lock_timeout', :timeout, true)"), {"timeout": timeout_ms})
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        connection.execute(text("SELECT set_config('lock_timeout', :timeout, true)"), {"timeout": previous})

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        """Turn the database's refusals (busy, unreachable, not a database…) into CampaignStoreError."""
        try:
            yield
        except DBAPIError as exc:
            refusal = self._refusal(exc)
            if refusal is None:
                raise
            raise refusal from exc

    def _refusal(self, exc: DBAPIError) -> CampaignStoreError | None:
        cause = exc.orig
        busy = f"campaign database {self.name} is busy: another captainred is writing to it"
        busy += f" (waited {self.busy_timeout_s:g} s)"
        if isinstance(cause, sqlite3.Error):
            code = getattr(cause, "sqlite_errorcode", None)
            primary = None if code is None else code & 0xFF
            if primary in _SQLITE_BUSY:
                return CampaignStoreError(busy)
            if primary == sqlite3.SQLITE_READONLY and self.read_only:
                return _ReaderRefused(f"campaign database {self.name}: opened for reading only")
            if primary in _SQLITE_PROBLEMS:
                return CampaignStoreError(f"campaign database {self.name}: {_SQLITE_PROBLEMS[primary]}")
            return None
        if getattr(cause, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE:
            return CampaignStoreError(busy)
        if getattr(cause, "sqlstate", None) == _PG_READ_ONLY_TRANSACTION:
            return CampaignStoreError(f"campaign database {self.name}: opened for reading only")
        if getattr(cause, "sqlstate", None) == _PG_DISK_FULL:
            return CampaignStoreError(f"campaign database {self.name}: the disk is full")
        if exc.connection_invalidated or (self.backend == "postgresql" and getattr(cause, "sqlstate", None) is None):
            detail = " ".join(str(cause).split()) or type(cause).__name__
            return CampaignStoreError(f"cannot reach the campaign database {self.name}: {detail}")
        return None

    def _upgrade(self, revision: str) -> None:
        """Bring the schema to `revision` in one transaction, refusing databases this code must not touch."""
        with self._refusals(), self.engine.connect() as connection:
            if self.backend == "sqlite":
                # A batch migration copies and renames tables: foreign keys are off meanwhile and checked after.
                driver = connection.connection.driver_connection
                assert driver is not None
                driver.execute("PRAGMA foreign_keys=OFF")
                try:
                    with connection.begin():
                        self._check_and_upgrade(connection, revision)
                        broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                        if broken:
                            raise CampaignStoreError(
                                f"campaign database {self.name}: upgrading to {revision} broke foreign keys: {broken}"
                            )
                finally:
                    driver.execute("PRAGMA foreign_keys=ON")
            else:
                with connection.begin():
                    self._hold_advisory_lock(connection, MIGRATION_LOCK_KEY)
                    self._check_and_upgrade(connection, revision)

    def _at_head(self) -> bool:
        """Whether the schema is the newest, read without taking any lock a writer holds (a database this
        code must not touch is refused as `_check_and_upgrade` refuses it)."""
        with self._refusals(), self.engine.connect() as connection, connection.begin():
            if self.backend == "postgresql":
                connection.execute(text("SET TRANSACTION READ ONLY"))
            current = revisions.current_revision(connection)
            self._check_revision(connection, current)
            return current == revisions.head_revision()

    def _check_revision(self, connection: Connection, current: str | None) -> None:
        """Refuse a database that holds someone else's tables, or a schema newer than this code knows."""
        if current is None:
            foreign_tables = revisions.user_tables(connection)
            if foreign_tables:
                shown = ", ".join(foreign_tables[:5])
                raise CampaignStoreError(
                    f"{self.name} is not a campaign database: it holds other tables ({shown}) and no campaign schema"
                )
        elif current not in revisions.known_revisions():
            raise CampaignStoreError(
                f"campaign database {self.name} has schema revision {current}, newer than this captainred knows "
                f"(its newest is {revisions.head_revision()}): open it with a newer captainred"
            )

    def _check_and_upgrade(self, connection: Connection, revision: str) -> None:
        current = revisions.current_revision(connection)
        self._check_revision(connection, current)
        if current != revision and not (revision == "head" and current == revisions.head_revision()):
            revisions.upgrade(connection, revision)


def open_store(
    db: str | Path | None = None,
    *,
    busy_timeout_s: float = BUSY_TIMEOUT_S,
    upgrade_to: str = "head",
    read_only: bool = False,
) -> Store:
    """Open the campaign database `db` and upgrade it to the newest schema revision.

    `db` is None (the default file, `campaigns.db` in the user's data directory, created with its folder), a
    path to a SQLite file (created if missing; its folder must exist), or a PostgreSQL URL
    (`postgresql://user@host:port/dbname`, reached through psycopg 3). `upgrade_to` names an older revision
    only for tools and tests that build old databases. Raises CampaignStoreError for what a user must fix.

    `read_only` opens it for reading only: a SQLite file must exist, and neither opening nor reading takes
    the write lock, so the store answers while another captainred writes. A schema older than this code's
    is the one exception: it is upgraded first, as any opening would (a write, once per database)."""
    if read_only:
        return _open_read_only(db, busy_timeout_s)
    engine, name = _connect(db, busy_timeout_s)
    store = Store(engine, name, busy_timeout_s)
    try:
        store._upgrade(upgrade_to)
    except BaseException:
        engine.dispose()
        raise
    return store


def _open_read_only(db: str | Path | None, busy_timeout_s: float) -> Store:
    path = None if isinstance(db, str) and "://" in db else default_database_path() if db is None else Path(db)
    if path is not None and not path.is_file() and not path.is_dir():
        raise CampaignStoreError(
            f"campaign database {path} does not exist (start a campaign in it with `captainred campaign new`)"
        )
    for attempt in range(2):
        engine, name = _connect(db, busy_timeout_s, read_only=True)
        store = Store(engine, name, busy_timeout_s, read_only=True)
        try:
            if store._at_head():
                return store
        except _ReaderRefused:
            # SQLite refuses a read-only reader a journal left by a writer that died: a writable opening
            # rolls it back first (and upgrades, as ever); then read-only it is.
            if attempt:
                engine.dispose()
                raise
        except BaseException:
            engine.dispose()
            raise
        engine.dispose()
        open_store(db, busy_timeout_s=busy_timeout_s).close()  # the upgrade (a write, once), or the rollback
    raise CampaignStoreError(f"campaign database {name}: not at the newest schema, even after upgrading it")


def _connect(db: str | Path | None, busy_timeout_s: float, *, read_only: bool = False) -> tuple[Engine, str]:
    if isinstance(db, str) and "://" in db:
        try:
            url = make_url(db)
        except SQLAlchemyError as exc:
            raise CampaignStoreError(f"campaign database {db!r}: not a database URL ({exc})") from None
        if url.get_backend_name() not in ("postgresql", "postgres"):
            raise CampaignStoreError(
                f"campaign database {db!r}: only SQLite files and postgresql:// URLs are supported"
            )
        name = url.render_as_string(hide_password=True)
        engine = create_engine(
            url.set(drivername="postgresql+psycopg"), connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
        )
        return engine, name
    if db is None:
        path = default_database_path()
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        path = Path(db)
    if path.is_dir():
        raise CampaignStoreError(f"campaign database {path}: is a folder, not a file")
    if not path.parent.is_dir():
        raise CampaignStoreError(f"campaign database {path}: the folder {path.parent} does not exist")
    if read_only:
        # A URI, so that SQLite opens the file read-only (and never creates it); the path percent-encoded.
        uri = f"{path.absolute().as_uri()}?mode=ro"

        def connect_read_only() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, timeout=busy_timeout_s)

        engine = create_engine("sqlite+pysqlite://", creator=connect_read_only)
    else:
        engine = create_engine(
            URL.create("sqlite+pysqlite", database=str(path)), connect_args={"timeout": busy_timeout_s}
        )
    event.listen(engine, "connect", _sqlite_connected)
    event.listen(engine, "begin", _sqlite_begin_read if read_only else _sqlite_begin)
    return engine, str(path)


def _sqlite_connected(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # The driver's own transaction handling is off (it would BEGIN DEFERRED, lazily): _sqlite_begin does it.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at the start, so a second writer is refused before it has done anything,
    # never half-way through (a DEFERRED transaction could fail to upgrade its read lock at its first write).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_read(connection: Connection) -> None:
    # A reader's transaction is DEFERRED: it takes a shared lock at its first read, which a writer holding its
    # RESERVED lock (BEGIN IMMEDIATE, writing) still grants; only a commit's last moment makes it wait.
    connection.exec_driver_sql("BEGIN")
