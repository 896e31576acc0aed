"""The background tasks of the application by name (run by badger.core.queue), with the tasks
to run when the in-process threads start and periodically in a worker. Wired in
badger.application.wire."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from badger.errors import InvalidInput

__all__ = ["Tasks"]


class Tasks:
    """Task functions by name, and what runs when the in-process threads start and
    periodically in a worker. Each function takes the container first: ``fn(app, *args)``."""

    def __init__(self) -> None:
        self._by_name: dict[str, Callable[..., Any]] = {}
        self.at_start: list[Callable[..., Any]] = []
        self.periodic: list[Callable[..., Any]] = []

    def register(self, name: str, fn: Callable[..., Any]) -> None:
        if name in self._by_name:
            raise ValueError(f"task {name!r} is registered twice")
        self._by_name[name] = fn

    def get(self, name: str) -> Callable[..., Any]:
        try:
            return self._by_name[name]
        except KeyError:
            raise InvalidInput(f"no task named {name!r}", code="jobs.unknown_task") from None
