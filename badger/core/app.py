"""The service container: settings, database, key store, clock and id factory in one object.

Only services, web and cli read the clock or make ids (docs/architecture.md, "Time and ids are injected"); they get
them from here, so tests can pin both.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from badger.config import Settings
from badger.core.db import Session, make_engine, make_read_session_factory, make_session_factory
from badger.core.events import Events
from badger.core.keystore import KeyStore
from badger.core.migrate import upgrade
from badger.core.tasks import Tasks
from badger.keys.fetch import HttpFetcher

__all__ = ["Badger", "utc_now", "xsd_datetime"]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def xsd_datetime(moment: datetime) -> str:
    """An XML Schema dateTime in UTC with "Z". SQLite hands back naive datetimes (it keeps no
    timezone): they were stored as UTC, so they are read as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Badger:
    settings: Settings
    clock: Callable[[], datetime] = utc_now
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))

    def __post_init__(self) -> None:
        # Hooks between areas and background tasks, wired by badger.application.wire.
        self.events = Events()
        self.tasks = Tasks()
        self.engine = make_engine(self.settings.database_url)
        self.sessions = make_session_factory(self.engine)
        self.read_sessions = make_read_session_factory(self.engine)
        self.keystore = KeyStore(self.settings.secret_key)
        # Fetches for verification (keys, status lists, credential URLs) may only reach public
        # addresses, or the hosts the settings allow (the development origin); answers are
        # reused for a minute at most (less when their Cache-Control says so).
        self.fetcher = HttpFetcher(
            timeout=self.settings.fetch_timeout,
            public_only=True,
            allowed_hosts=self.settings.http_did_hosts,
            cache_seconds=60.0,
        )

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def upgrade_database(self) -> None:
        upgrade(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error (docs/architecture.md, "The caller owns the transaction")."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work, for requests that only read (public pages and documents):
        the same rule as ``transaction`` (the caller owns it, one per request), but it never
        commits: it ends with a rollback (``close``), takes no write lock on SQLite (readers no longer queue
        behind each other nor behind a writer), and a flush of any change raises
        ``badger.core.db.ReadOnlySession`` (docs/architecture.md, "The caller owns the transaction")."""
        session = self.read_sessions()
        try:
            yield session
        finally:
            # close() rolls the transaction back and detaches the rows without expiring them
            # (rollback() would expire them): what was read stays readable after the block, as
            # after transaction()'s commit (expire_on_commit=False).
            session.close()

    def url(self, *parts: str) -> str:
        return "/".join([self.base_url, *parts])
