"""Persistence: the only package that imports SQLAlchemy. Repositories flush, never commit:
the caller (a request, a CLI command, a job step) owns the transaction."""

from badger.store.db import make_engine, make_session_factory
from badger.store.keystore import KeyStore
from badger.store.models import Achievement, ApiToken, Base, Credential, Issuer, IssuerKey, StatusList

__all__ = ["make_engine", "make_session_factory", "KeyStore", "Base", "Issuer", "IssuerKey", "ApiToken",
           "Achievement", "Credential", "StatusList"]
