"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), as the pytest fixture ``smtp_server``.

    def test_something(smtp_server):
        ...  # settings smtp_url=smtp_server.url
        [message] = smtp_server.wait_for(1)   # email.message.EmailMessage
        assert message["To"] == "camille@example.org"

``.url`` is ``smtp://127.0.0.1:PORT``; ``.messages`` the messages received so far, in order
(``.envelopes`` the matching (mail_from, rcpt_tos)); ``.wait_for(n, timeout=10)`` waits for at
least ``n`` of them; ``.down()`` stops listening (connections are refused, as when a server is
down) and ``.up()`` listens again on the same port; ``.refuse(address)`` answers that recipient
"552 mailbox full" (a permanent refusal, as a real server does) until ``.accept(address)``. Registered for every test in
tests/conftest.py (``pytest_plugins``).
"""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

__all__ = ["MailServer", "smtp_server"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, server: MailServer):
        self.server = server

    async def handle_RCPT(self, _server, _session, envelope, address, _options):
        if address.lower() in self.server.refused:
            return "552 5.2.2 Mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, _session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.server._cond:
            self.server.messages.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.server._cond.notify_all()
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self):
        self.host, self.port = "127.0.0.1", _free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: set[str] = set()
        self._cond = threading.Condition()
        self._controller = None

    def refuse(self, address: str) -> MailServer:
        self.refused.add(address.lower())
        return self

    def accept(self, address: str) -> MailServer:
        self.refused.discard(address.lower())
        return self

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def up(self) -> MailServer:
        from aiosmtpd.controller import Controller

        if self._controller is None:
            self._controller = Controller(
                _Handler(self), hostname=self.host, port=self.port, enable_SMTPUTF8=True, ready_timeout=10
            )
            self._controller.start()
        return self

    def down(self) -> MailServer:
        if self._controller is not None:
            controller, self._controller = self._controller, None
            controller.stop()
        return self

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} e-mail(s), got {len(self.messages)} in {timeout} s")
                self._cond.wait(left)
            return list(self.messages)


@pytest.fixture
def smtp_server():
    server = MailServer().up()
    try:
        yield server
    finally:
        server.down()
