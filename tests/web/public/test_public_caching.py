"""Public documents from stored bytes with strong ETags; the credential page's verification
cached until the credential's status or its issuer's keys change."""

from __future__ import annotations

from badger.core import audit
from badger.issuance import issuing, revocation
from badger.issuers import service as issuers
from badger.verifying import service as verifying

from .test_public import HTML_ACCEPT, issue  # noqa: F401 - the fixture


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
