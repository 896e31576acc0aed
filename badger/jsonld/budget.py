"""The budget of one verification: what an untrusted input may make Badger spend.

A public verifier does work chosen by whoever sends the input: RDFC-1.0 canonicalization is
exponential on "poison" graphs (RDFC-1.0 §"Security Considerations"), every proof costs a
canonicalization and a key resolution, every key or status list may cost an HTTP fetch. One
``Budget`` bounds all of it for one verification:

- a deadline for the whole verification (monotonic time, not the clock);
- a number of fetches (keys, DID documents, status lists, credential URLs);
- a number of proofs;
- Hash-N-Degree work summed over every canonicalization of the verification, in units that
  grow with the work pyld really does (each N-degree call, each related blank node hashed, each
  permutation element walked), with an allowance that grows with the input's size.

The budget travels in a context variable (``use(budget)``), so the library code that spends it
(``jsonld.canonical``, ``keys.fetch``) needs no new argument through every layer in between.
When it runs out it raises ``BudgetExceeded`` *and remembers it*: verifiers that turn errors
into failed checks still stop early (every later charge raises again), and the caller asks
``budget.exceeded`` afterwards to refuse the input as a whole (a 4xx, not a "not verified").

``check_json_text`` refuses a JSON text that is too large or nested too deeply before it is
parsed (Python's parser would raise RecursionError, and nested documents make every recursive
walker after it costly).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from badger.errors import InvalidInput

__all__ = ["Budget", "BudgetExceeded", "JsonTooDeep", "use", "current", "check_json_text", "MAX_JSON_DEPTH"]

# An OB 3.0 credential nests about 8 levels (credential > subject > achievement > alignment...);
# 64 leaves room for any real document and bounds every recursive walk after parsing.
MAX_JSON_DEPTH = 64


class BudgetExceeded(InvalidInput):
    """The input would cost more than one verification may spend."""

    code = "verify.budget_exceeded"


class JsonTooDeep(InvalidInput):
    code = "input.json_too_deep"


@dataclass
class Budget:
    """Limits of one verification. Generous for any real credential (measured: an OB 3.0
    credential with its status lists costs < 200 work units, 1-3 fetches, 1-2 proofs)."""

    seconds: float = 4.0
    max_fetches: int = 8
    max_proofs: int = 4
    # Hash-N-Degree work allowed for every canonicalization together: a floor, plus an allowance
    # per quad of the dataset being canonicalized (a bigger input may cost proportionally more,
    # never exponentially more).
    work_floor: int = 100_000
    work_per_quad: int = 4
    clock: Callable[[], float] = time.monotonic
    fetches: int = 0
    work: int = 0
    work_allowance: int = 0
    exceeded: BudgetExceeded | None = None
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = self.clock() + self.seconds
        self.work_allowance = self.work_floor

    def refuse(self, message: str) -> BudgetExceeded:
        """Record (once) and return the refusal of this verification's input."""
        if self.exceeded is None:
            self.exceeded = BudgetExceeded(message)
        return self.exceeded

    def remaining(self) -> float:
        """Seconds left before the deadline (raises BudgetExceeded when none are)."""
        self.check()
        return max(0.0, self.deadline - self.clock())

    def check(self) -> None:
        if self.exceeded is not None:
            raise self.exceeded
        if self.clock() > self.deadline:
            raise self.refuse(f"verification took longer than {self.seconds:g} s")

    def fetch(self, url: str) -> float:
        """Charge one fetch; -> the seconds it may take."""
        self.check()
        self.fetches += 1
        if self.fetches > self.max_fetches:
            raise self.refuse(f"more than {self.max_fetches} documents to fetch for one verification")
        return self.remaining()

    def proofs(self, count: int) -> None:
        self.check()
        if count > self.max_proofs:
            raise self.refuse(f"{count} proofs; at most {self.max_proofs} are verified")

    def dataset(self, quads: int) -> None:
        """A canonicalization of ``quads`` quads starts: it earns its own work allowance."""
        self.check()
        self.work_allowance += self.work_per_quad * quads

    def spend(self, units: int) -> None:
        """Charge canonicalization work (checked against the allowance and the deadline)."""
        self.work += units
        if self.work > self.work_allowance:
            raise self.refuse("canonicalization work limit reached (poison graph?)")
        if self.exceeded is not None or self.clock() > self.deadline:
            self.check()


_CURRENT: ContextVar[Budget | None] = ContextVar("badger_budget", default=None)


def current() -> Budget | None:
    """The budget of the verification running in this context, if any."""
    return _CURRENT.get()


@contextmanager
def use(budget: Budget) -> Iterator[Budget]:
    """Make ``budget`` the one charged by canonicalization and fetches inside the block."""
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


# Only the characters that shape nesting survive: brackets and quotes (escaped quotes and
# escaped backslashes removed first, so the quotes left delimit strings exactly).
_KEEP = bytes(range(256)).translate(None, b'[]{}"')
_STRING = re.compile(rb'"[^"]*"')


def check_json_text(raw: bytes | bytearray | str, *, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse (InvalidInput) a JSON text over ``max_bytes`` or nested deeper than ``max_depth``,
    without parsing it. Linear time; malformed texts that pass are left to the parser.

    Written here because no maintained JSON parser for Python takes a depth limit (the standard
    one stops only at the interpreter's recursion limit, with a RecursionError)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if len(data) > max_bytes:
        raise InvalidInput(f"the JSON text is larger than {max_bytes} bytes", code="input.too_large")
    # Structure only: drop escaped backslashes, then escaped quotes, then everything but
    # brackets and quotes, then the strings (which now contain no quote).
    shape = _STRING.sub(b"", data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _KEEP))
    depth = 0
    for byte in shape:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > max_depth:
                raise JsonTooDeep(f"the JSON text is nested deeper than {max_depth} levels")
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
