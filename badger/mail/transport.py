"""How a rendered e-mail leaves the process: over SMTP (``BADGER_SMTP_URL``) or, when no
server is configured, into the log. Both behind one tiny protocol, ``Transport.send``.

URL forms: ``smtp://host[:port]`` (plain, port 25), ``smtp://...?starttls=1`` (upgrade with
STARTTLS, port 587 by default), ``smtps://host[:port]`` (implicit TLS, port 465); optional
``user:password@`` (percent-encoded) for AUTH; ``?timeout=SECONDS`` (default 10).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from badger.errors import InvalidInput

__all__ = [
    "Transport",
    "SmtpTransport",
    "LogTransport",
    "SmtpSettings",
    "parse_smtp_url",
    "TransientError",
    "PermanentError",
    "Unreachable",
    "transport_for",
]

log = logging.getLogger("badger.mail")


class TransientError(Exception):
    """Try again later: the server is down, busy or answered 4xx."""


class Unreachable(TransientError):
    """No connection to the server at all: the other e-mails of the pass would fail the same way."""


class PermanentError(Exception):
    """Do not try again: the server refused the message or the recipient for good (5xx)."""


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp[s]://[user:pass@]host[:port][?starttls=1&timeout=10]`` -> SmtpSettings.
    Raises InvalidInput for another scheme or a missing host."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InvalidInput("BADGER_SMTP_URL must look like smtp://user:pass@host:port", code="config.smtp_url")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    implicit = parts.scheme == "smtps"
    starttls = not implicit and query.get("starttls", "").lower() in ("1", "true", "yes", "on")
    try:
        timeout = float(query.get("timeout", 10))
        port = parts.port or (465 if implicit else 587 if starttls else 25)
    except ValueError as exc:
        raise InvalidInput(f"BADGER_SMTP_URL: {exc}", code="config.smtp_url") from exc
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        implicit_tls=implicit,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


class SmtpTransport:
    """One connection reused for a delivery pass; reopened after an error."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.implicit_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            _quietly_close(smtp)
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Raises TransientError or PermanentError; the text never carries the password."""
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except smtplib.SMTPAuthenticationError as exc:
                raise Unreachable(f"SMTP authentication failed ({exc.smtp_code})") from None
            except (smtplib.SMTPException, OSError) as exc:
                raise Unreachable(f"cannot reach the SMTP server: {type(exc).__name__}: {exc}") from None
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            error = PermanentError if codes and all(c >= 500 for c in codes) else TransientError
            raise error(f"recipient refused ({', '.join(map(str, codes))})") from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            error = PermanentError if exc.smtp_code >= 500 else TransientError
            raise error(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TransientError(f"{type(exc).__name__}: {exc}") from None
        if refused:
            raise PermanentError("recipient refused")

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(smtp)


class LogTransport:
    """No SMTP server configured (development): the e-mail goes to the log — recipient,
    subject and the links it carries — and counts as sent."""

    def send(self, message: EmailMessage) -> None:
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        links = " ".join(dict.fromkeys(re.findall(r"https?://\S+", text)))
        log.info(
            "e-mail (no BADGER_SMTP_URL, not sent) to=%s subject=%r lang=%s links=%s",
            message["To"],
            str(message["Subject"]),
            message["Content-Language"],
            links,
        )

    def close(self) -> None:
        pass


def transport_for(smtp_url: str | None) -> Transport:
    return SmtpTransport(parse_smtp_url(smtp_url)) if smtp_url else LogTransport()


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass
