"""Use cases: the only code that joins the domain packages and the store. Functions take the
service container (`Badger`) and a session; the caller owns the transaction."""

from badger.services.app import Badger, utc_now

__all__ = ["Badger", "utc_now"]
