"""Public documents from stored bytes with strong ETags; the credential page's verification and
rendering cached until its version changes (status, keys, endorsements: public.service.page_version),
read without a write lock, revalidated with a strong ETag. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import event

from badger.accounts import service as accounts
from badger.core import audit
from badger.core.db import ReadOnlySession
from badger.issuance import issuing, revocation
from badger.issuers import service as issuers
from badger.programmes import endorsements, learners
from badger.recognition import endorsements as recognition
from badger.verifying import service as verifying
from badger.web.public import views as web_public

from .test_public import HTML_ACCEPT, issue  # noqa: F401 - the fixture

PASSWORD = "correct horse battery staple"


def test_stored_documents_carry_a_strong_etag_and_answer_304(client, issue):  # noqa: F811
    _, _, row = issue("jwt")
    for path in (f"/credentials/{row.id}.json", f"/credentials/{row.id}.jwt", f"/credentials/{row.id}.png"):
        first = client.get(path)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and not etag.startswith("W/")
        assert "max-age" in first.headers["Cache-Control"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_page_verifies_once_until_the_status_or_the_keys_change(badger, client, issue, monkeypatch):  # noqa: F811
    issuer, _, row = issue()
    calls = []
    real = verifying.verify_credential

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(verifying, "verify_credential", counting)
    for _ in range(3):
        assert client.get(f"/credentials/{row.id}", headers={"Accept": HTML_ACCEPT}).status_code == 200
    assert len(calls) == 1
    with badger.transaction() as session:
        revocation.revoke(badger, session, issuing.get_credential(session, row.id), reason="test", actor=audit.SYSTEM)
    page = client.get(f"/credentials/{row.id}", headers={"Accept": HTML_ACCEPT}).get_data(as_text=True)
    assert len(calls) == 2 and "test" in page
    with badger.transaction() as session:
        issuers.rotate_keys(badger, session, issuers.get_issuer(session, issuer.slug))
    client.get(f"/credentials/{row.id}", headers={"Accept": HTML_ACCEPT})
    assert len(calls) == 3


# ------------------------------------------------------------- the rendered page and its version


def _page(client, credential_id: str, **headers):
    return client.get(f"/credentials/{credential_id}", headers={"Accept": HTML_ACCEPT, **headers})


def _statements(badger) -> list[str]:
    seen: list[str] = []
    event.listen(badger.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_page_seen_before_costs_one_query_and_no_write_lock(badger, client, issue):  # noqa: F811
    _, _, row = issue()
    assert _page(client, row.id).status_code == 200
    seen = _statements(badger)
    for _ in range(3):
        assert _page(client, row.id).status_code == 200
    # One SELECT per view (plus SQLite's BEGIN); never BEGIN IMMEDIATE, never a write.
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3, seen
    assert all(s.strip().upper() in ("BEGIN",) or s.lstrip().upper().startswith("SELECT") for s in seen), seen


def test_the_page_answers_while_a_writer_holds_the_database(badger, client, issue):  # noqa: F811
    """A page view reads in a read-only transaction: on SQLite it no longer queues behind a
    writer (BEGIN IMMEDIATE would wait for the busy timeout), on PostgreSQL it reads the last
    committed state; what the writer has not committed is not shown."""
    _, _, row = issue()
    with badger.transaction() as session:
        writing = issuing.get_credential(session, row.id)
        revocation.revoke(badger, session, writing, reason="pas encore validé", actor=audit.SYSTEM)
        started = time.monotonic()
        page = _page(client, row.id)
        assert page.status_code == 200 and time.monotonic() - started < 5
        assert "pas encore validé" not in page.get_data(as_text=True)
    assert "pas encore validé" in _page(client, row.id).get_data(as_text=True)


def test_a_read_only_session_refuses_to_write(badger, issue):  # noqa: F811
    _, _, row = issue()
    with pytest.raises(ReadOnlySession):
        with badger.reading() as session:
            issuing.get_credential(session, row.id).status_reason = "changed"
            session.flush()
    with badger.reading() as session:
        assert issuing.get_credential(session, row.id).status_reason is None


def test_the_page_has_a_strong_etag_and_changes_at_once(badger, client, issue):  # noqa: F811
    """Every change the page shows is seen on the next view, and a kept copy is revalidated:
    304 while unchanged, the new page with a new ETag after a suspension, a lifting, a
    revocation."""
    _, _, row = issue()
    first = _page(client, row.id)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "no-cache"
    assert _page(client, row.id, **{"If-None-Match": etag}).status_code == 304
    seen = {etag}
    for change, expected in (
        (
            lambda s, c: revocation.suspend(badger, s, c, reason="Absente au camp", actor=audit.SYSTEM),
            "Absente au camp",
        ),
        (lambda s, c: revocation.unsuspend(badger, s, c, actor=audit.SYSTEM), None),
        (
            lambda s, c: revocation.revoke(badger, s, c, reason="Erreur de saisie", actor=audit.SYSTEM),
            "Erreur de saisie",
        ),
    ):
        with badger.transaction() as session:
            change(session, issuing.get_credential(session, row.id))
        page = _page(client, row.id, **{"If-None-Match": etag})
        assert page.status_code == 200
        if expected:
            assert expected in page.get_data(as_text=True)
        etag = page.headers["ETag"]
        seen.add(etag)
    assert len(seen) == 3  # active, suspended, revoked (active again is the first page)


def test_endorsements_the_holder_accepts_or_declines_show_at_once(badger, client, issue, create_issuer):  # noqa: F811
    _, _, row = issue()
    partner, _ = create_issuer(name="Labo de l'ESS", slug="labo-ess", url="https://labo-ess.example")
    with badger.transaction() as session:
        made = recognition.endorse_credential(
            badger, session, issuers.get_issuer(session, "labo-ess"), row.id, comment="Un engagement remarquable."
        )
        endorsement_id = made.id
        token = learners.link_token(badger, session, email="élodie@exemple.fr")
    assert "Un engagement remarquable." not in _page(client, row.id).get_data(as_text=True)
    with badger.transaction() as session:
        recognition.decide(badger, session, token, endorsement_id, accept=True)
    assert "Un engagement remarquable." in _page(client, row.id).get_data(as_text=True)
    with badger.transaction() as session:
        recognition.decide(badger, session, token, endorsement_id, accept=False)
    assert "Un engagement remarquable." not in _page(client, row.id).get_data(as_text=True)


def test_a_partner_endorsement_of_the_issuer_shows_at_once(badger, client, issue, create_issuer):  # noqa: F811
    issuer, _, row = issue()
    create_issuer(name="Labo de l'ESS", slug="labo-ess", url="https://labo-ess.example")
    assert "Un partenaire sérieux." not in _page(client, row.id).get_data(as_text=True)
    with badger.transaction() as session:
        endorsements.endorse(
            badger,
            session,
            issuers.get_issuer(session, "labo-ess"),
            comment="Un partenaire sérieux.",
            issuer_slug=issuer.slug,
        )
    assert "Un partenaire sérieux." in _page(client, row.id).get_data(as_text=True)


def test_each_language_has_its_own_page(client, issue):  # noqa: F811
    _, _, row = issue()
    french = _page(client, row.id).get_data(as_text=True)
    english = _page(client, row.id, **{"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in french and '<html lang="en">' in english
    assert _page(client, row.id, **{"Accept-Language": "en"}).get_data(as_text=True) == english
    assert '<html lang="en">' in client.get(f"/credentials/{row.id}?lang=en").get_data(as_text=True)
    client.get("/language/en")  # the switcher's cookie
    assert '<html lang="en">' in _page(client, row.id).get_data(as_text=True)
    client.get("/language/fr")
    assert '<html lang="fr">' in _page(client, row.id).get_data(as_text=True)


def test_a_signed_in_visitor_gets_the_same_page(badger, app, client, issue):  # noqa: F811
    """The page holds nothing of its visitor (no CSRF token, no account, no nonce), so one
    rendering serves everyone: rendered for a signed-in staff member, it is byte for byte the
    page an anonymous visitor gets rendered afresh."""
    issuer, _, row = issue()
    with badger.transaction() as session:
        user = accounts.create_user(
            badger, session, email="staff@cec.example.org", name="Staff Owner", password=PASSWORD
        )
        accounts.add_membership(
            badger, session, user, issuers.get_issuer(session, issuer.slug), "owner", actor=audit.SYSTEM
        )
    login_page = client.get("/account/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    signed_in = client.post(
        "/account/login", data={"email": "staff@cec.example.org", "password": PASSWORD, "csrf_token": csrf}
    )
    assert signed_in.status_code == 302
    web_public._PAGES.clear()
    staff_page = _page(client, row.id).get_data(as_text=True)
    assert "Staff Owner" not in staff_page and "csrf_token" not in staff_page and "nonce" not in staff_page
    web_public._PAGES.clear()
    assert _page(app.test_client(), row.id).get_data(as_text=True) == staff_page


def test_public_pages_answer_while_a_writer_holds_the_database(badger, client, issue):  # noqa: F811
    """The home, issuer, badge class and learner pages only read: none waits for a writer."""
    issuer, achievement, row = issue()
    with badger.transaction() as session:
        token = learners.link_token(badger, session, email="élodie@exemple.fr")
    paths = ("/", f"/issuers/{issuer.slug}", f"/achievements/{achievement.id}", f"/learners/{token}", "/healthz")
    with badger.transaction() as session:
        revocation.revoke(
            badger, session, issuing.get_credential(session, row.id), reason="en cours", actor=audit.SYSTEM
        )
        for path in paths:
            started = time.monotonic()
            assert client.get(path, headers={"Accept": HTML_ACCEPT}).status_code == 200, path
            assert time.monotonic() - started < 5, path
