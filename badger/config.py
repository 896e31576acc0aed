"""Settings: defaults, then a mapping (tests), then ``BADGER_*`` environment variables.

Built once by create_app() / the CLI, frozen, validated at start (docs/interfaces.md lists the
variables). No I/O happens at import time.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from badger.errors import InvalidInput

__all__ = ["Settings", "load_settings", "DEV_SECRET_KEY"]

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
_ENV_NAMES = {
    "database_url": "BADGER_DATABASE_URL",
    "base_url": "BADGER_BASE_URL",
    "secret_key": "BADGER_SECRET_KEY",
    "smtp_url": "BADGER_SMTP_URL",
    "queue_url": "BADGER_QUEUE_URL",
    "mail_from": "BADGER_MAIL_FROM",
    "env": "BADGER_ENV",
    "instance_path": "BADGER_INSTANCE_PATH",
    "ratelimit_storage_url": "BADGER_RATELIMIT_STORAGE_URL",
    "proxy_hops": "BADGER_PROXY_HOPS",
    "bulk_runners": "BADGER_BULK_RUNNERS",
}


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    base_url: str = "http://localhost:5000"
    secret_key: str = DEV_SECRET_KEY
    smtp_url: str | None = None
    queue_url: str | None = None
    # From header of outgoing e-mail; default "Badger <no-reply@HOST>", HOST from base_url.
    mail_from: str | None = None
    env: str = "development"
    instance_path: str = field(default_factory=lambda: str(Path.cwd() / "instance"))
    # Hosts whose did:web documents may be fetched over plain http, and other Open Badges hosts
    # reached over http or on a private address (local development and tests only;
    # BADGER_HTTP_HOSTS).
    http_did_hosts: tuple[str, ...] = ()
    fetch_timeout: float = 5.0
    max_upload_bytes: int = 1024 * 1024
    # Where request rate limits are counted (badger.web.limits): redis://... to share them
    # between workers; default: the queue's Redis when BADGER_QUEUE_URL is one, else memory.
    ratelimit_storage_url: str | None = None
    rate_limits: bool = True
    # Reverse proxies in front of the app that set X-Forwarded-For / -Proto (werkzeug ProxyFix):
    # 0 trusts no header (the client address is the socket's); 1 behind one nginx or Caddy.
    proxy_hops: int = 0
    # Queue messages per bulk job (BADGER_BULK_RUNNERS): how many `badger worker` processes may
    # share one job's chunks at once; more than the default when many workers serve one database.
    bulk_runners: int = 4

    @property
    def production(self) -> bool:
        return self.env == "production"

    def validate(self) -> Settings:
        """Refuse unusable settings (InvalidInput with a one-line reason); fill derived ones."""
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise InvalidInput(f"BADGER_BASE_URL must be an origin like https://badges.example, not {self.base_url!r}")
        if self.production and self.secret_key == DEV_SECRET_KEY:
            raise InvalidInput("BADGER_SECRET_KEY must be set when BADGER_ENV=production")
        if len(self.secret_key) < 16:
            raise InvalidInput("BADGER_SECRET_KEY must be at least 16 characters")
        if self.secret_key == DEV_SECRET_KEY:
            warnings.warn("BADGER_SECRET_KEY is the development default: never use it in production", stacklevel=2)
        settings = self
        if not settings.database_url:
            settings = replace(settings, database_url=f"sqlite:///{Path(settings.instance_path) / 'badger.sqlite3'}")
        if settings.database_url.startswith("postgresql://"):
            settings = replace(
                settings, database_url="postgresql+psycopg://" + settings.database_url[len("postgresql://") :]
            )
        host = urlsplit(settings.base_url).netloc
        if parts.scheme == "http" and host not in settings.http_did_hosts:
            # Our own did:web documents are served over http in development: allow that origin.
            settings = replace(settings, http_did_hosts=settings.http_did_hosts + (host,))
        if settings.smtp_url and urlsplit(settings.smtp_url).scheme not in ("smtp", "smtps"):
            raise InvalidInput("BADGER_SMTP_URL must look like smtp://user:pass@host:port or smtps://...")
        if not settings.mail_from:  # a From address on our own domain
            settings = replace(settings, mail_from=f"Badger <no-reply@{parts.hostname}>")
        return replace(settings, base_url=settings.base_url.rstrip("/"))


def load_settings(overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Defaults -> ``overrides`` -> environment. Raises InvalidInput (see Settings.validate)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = dict(overrides or {})
    for name, var in _ENV_NAMES.items():
        if environ.get(var):
            values[name] = environ[var]
    if isinstance(values.get("proxy_hops"), str):
        if not values["proxy_hops"].isdigit() or int(values["proxy_hops"]) > 10:
            raise InvalidInput("BADGER_PROXY_HOPS must be the number of reverse proxies (0-10)")
        values["proxy_hops"] = int(values["proxy_hops"])
    if isinstance(values.get("bulk_runners"), str):
        if not values["bulk_runners"].isdigit() or not 1 <= int(values["bulk_runners"]) <= 64:
            raise InvalidInput("BADGER_BULK_RUNNERS must be the number of workers that may share a bulk job (1-64)")
        values["bulk_runners"] = int(values["bulk_runners"])
    if environ.get("BADGER_HTTP_HOSTS"):  # comma-separated hosts (or host:port) reachable over http
        values["http_did_hosts"] = tuple(h.strip() for h in environ["BADGER_HTTP_HOSTS"].split(",") if h.strip())
    return Settings(**values).validate()
