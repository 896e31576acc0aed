"""Building the application: the service container, with the hooks between areas and the
background tasks wired in one visible list.

Areas announce what happened through events (badger.core.events) and run background work
through named tasks (badger.core.queue); neither knows who listens or who runs. This module
is the one place that knows: read ``wire`` to see every hook of the application.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from badger.bulk import runner as bulk_runner
from badger.config import Settings
from badger.core import events
from badger.core.app import Badger, utc_now
from badger.issuance import status_lists
from badger.mail import outbox
from badger.programmes import pathways
from badger.public import service as public_pages
from badger.wallets import offers as wallet_offers

__all__ = ["build", "wire"]


def wire(app: Badger) -> Badger:
    """Subscribe the areas to each other's events and register the queue tasks -> ``app``."""
    app.events.subscribe(events.ISSUER_CREATED, status_lists.on_issuer_created)
    # Order matters: the learner's e-mail is queued before the pathway credentials it may bring.
    app.events.subscribe(events.CREDENTIALS_ISSUED, outbox.on_credentials_issued)
    app.events.subscribe(events.CREDENTIALS_ISSUED, pathways.on_credentials_issued)
    # After the e-mail's: the wallet offer is created and its link added to that e-mail.
    app.events.subscribe(events.CREDENTIALS_ISSUED, wallet_offers.on_credentials_issued)
    app.events.subscribe(events.STATUS_CHANGED, pathways.on_status_changed)
    app.events.subscribe(events.STATUS_CHANGED, public_pages.on_status_changed)  # cached page checks
    # A credential and its wallet copies share one status (revoking one revokes all).
    app.events.subscribe(events.STATUS_CHANGED, wallet_offers.on_status_changed)

    app.tasks.register(bulk_runner.TASK, bulk_runner.run_task)
    app.tasks.register("bulk.resume", bulk_runner.resume)
    app.tasks.at_start.append(bulk_runner.resume)  # jobs a previous process left unfinished
    app.tasks.periodic.append(bulk_runner.requeue_abandoned)  # in `badger worker`
    app.tasks.register(outbox.TASK, outbox.deliver_task)
    return app


def build(
    settings: Settings, *, clock: Callable[[], datetime] = utc_now, new_id: Callable[[], str] | None = None
) -> Badger:
    """The service container for ``settings``, wired. ``clock`` and ``new_id`` may be pinned
    (tests)."""
    app = Badger(settings, clock=clock) if new_id is None else Badger(settings, clock=clock, new_id=new_id)
    return wire(app)
