"""Open recognition through the web (Flask test client, real CSRF tokens, SQLite and
PostgreSQL): the request form refuses bad files with a readable page (never a 500); evidence
files are reachable only by the partner's staff, the class's jury link, or the public link an
issued credential names; claim pages refuse wrong and expired codes and answer 429 once 100
wrong codes came from one address."""

from __future__ import annotations

import io
import json
import re

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from badger.accounts import service as accounts
from badger.core import audit
from badger.issuers import service as issuers
from badger.recognition import claims, modes, requests
from tests.recognition.helpers import CRITERIA, PASSWORD, pdf, png


def _csrf(html: str) -> str:
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html).group(0)
    return re.search(r'value="([^"]+)"', tag).group(1)


@pytest.fixture
def site(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer(name="Fresque Bretagne", slug="fresque")
    other, _ = create_issuer(name="Autre partenaire", slug="autre")
    badge = create_achievement(issuer, name="Animer une fresque", criteria=CRITERIA)
    second = create_achievement(issuer, name="Former des animateurs", criteria="Former trois animateurs.")
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "fresque")
        modes.set_mode(badger, session, row, badge.id, "request")
        modes.set_mode(badger, session, row, second.id, "jury", jury_size=2, threshold=1)
        for slug, email in (("fresque", "staff@fresque.example"), ("autre", "staff@autre.example")):
            user = accounts.create_user(badger, session, email=email, name="Staff", password=PASSWORD)
            accounts.add_membership(
                badger, session, user, issuers.get_issuer(session, slug), "issuer", actor=audit.SYSTEM
            )
        _m, other_jury = requests.invite_juror(badger, session, row, second.id, name="J", email="j@jury.example")
        _m, jury = requests.invite_juror(badger, session, row, badge.id, name="K", email="k@jury.example")
    return badge, jury, other_jury


def _post_request(client, badge_id, files):
    url = f"/achievements/{badge_id}/request"
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "csrf_token": _csrf(page.get_data(as_text=True)),
        "name": "Camille Martin",
        "email": "camille@example.org",
        "statements": ["Trois fresques.", "Guide présenté."],
        "urls": ["https://example.org/fresque"],
        "files": [FileStorage(io.BytesIO(data), filename=name, content_type=kind) for name, kind, data in files],
    }
    # Encoded in memory: Werkzeug's test client spools a large body to a temporary file it never closes.
    boundary, body = encode_multipart(
        MultiDict([(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])])
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _login(client, email):
    page = client.get("/account/login")
    client.post(
        "/account/login", data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page.get_data(as_text=True))}
    )


def test_bad_files_are_refused_with_a_readable_page(client, site):
    badge, *_ = site
    for files, words in (
        ([("photo.png", "image/png", pdf())], "ne correspond pas"),
        ([("script.pdf", "application/pdf", pdf(b"/OpenAction << /S /JavaScript /JS (x) >>"))], "scripts"),
        ([("page.html", "text/html", b"<script>alert(1)</script>")], "Seuls les fichiers PDF"),
    ):
        response = _post_request(client, badge.id, files)
        assert response.status_code == 400
        assert words in response.get_data(as_text=True)
    assert client.get("/achievements/00000000-0000-4000-8000-000000000000/request").status_code == 404
    # A 3 MB PDF is accepted (above the app's 1 MB image limit, under the 5 MB of evidence).
    big = pdf(b"/Producer (" + b"x" * (3 * 1024 * 1024) + b")")
    assert _post_request(client, badge.id, [("rapport.pdf", "application/pdf", big)]).status_code == 200


def test_evidence_files_only_for_staff_jury_or_the_public_link(badger, app, client, site):
    badge, jury, other_jury = site
    response = _post_request(
        client,
        badge.id,
        [("preuve.pdf", "application/pdf", pdf()), ("photo.png", "image/png", png(b"<script>x</script>"))],
    )
    assert response.status_code == 200
    with badger.transaction() as session:
        row = requests.queue(session, issuers.get_issuer(session, "fresque"), states=("unconfirmed",))[0]
        request_id = row.id
        files = sorted(  # the PDF first
            (e for e in requests.detail(session, row)["evidence"] if e["kind"] == "file"), key=lambda e: e["media_type"]
        )
        requests.confirm(badger, session, requests.request_token(badger, request_id))
    staff_url = f"/dashboard/fresque/recognition/requests/{request_id}/files/{files[0]['id']}"
    jury_url = f"/jury/{jury}/requests/{request_id}/files/{files[0]['id']}"

    anonymous = app.test_client()
    assert anonymous.get(staff_url).status_code == 302  # to the sign-in page
    assert anonymous.get(f"/jury/{other_jury}/requests/{request_id}/files/{files[0]['id']}").status_code == 404
    assert anonymous.get(f"/jury/not-a-token/requests/{request_id}/files/{files[0]['id']}").status_code == 404
    served = anonymous.get(jury_url)
    assert served.status_code == 200 and served.data.startswith(b"%PDF")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Disposition"].startswith("attachment")
    image = anonymous.get(f"/jury/{jury}/requests/{request_id}/files/{files[1]['id']}")
    assert image.status_code == 200 and b"<script>" not in image.data

    outsider = app.test_client()
    _login(outsider, "staff@autre.example")
    assert outsider.get(staff_url).status_code == 404
    assert outsider.get(staff_url.replace("/fresque/", "/autre/")).status_code == 404
    staff = app.test_client()
    _login(staff, "staff@fresque.example")
    assert staff.get(staff_url).status_code == 200

    # Before issuing there is no public link; approving publishes one per file, with its digest.
    page = staff.get(f"/dashboard/fresque/recognition/requests/{request_id}")
    answer = staff.post(
        f"/dashboard/fresque/recognition/requests/{request_id}",
        data={"csrf_token": _csrf(page.get_data(as_text=True)), "decision": "approve"},
    )
    assert answer.status_code == 303
    with badger.transaction() as session:
        credential_id = requests.get_request(session, issuers.get_issuer(session, "fresque"), request_id).credential_id
    document = json.loads(anonymous.get(f"/credentials/{credential_id}.json").data)
    public = [e for e in document["evidence"] if "digestSRI" in e]
    assert len(public) == 2
    for item in public:
        path = item["id"].split("127.0.0.1:5000", 1)[1]
        body = anonymous.get(path)
        assert body.status_code == 200
        from badger.recognition.evidence import digest_sri

        assert digest_sri(body.data) == item["digestSRI"]
    assert anonymous.get("/evidence/" + "x" * 32).status_code == 404


def test_claim_pages_refuse_and_limit(badger, app, site, create_achievement):
    from datetime import date

    from badger.programmes import service as programmes

    badge, *_ = site
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "fresque")
        programme = programmes.create_programme(badger, session, row, name="Fresques 2023")
        milestone = programmes.add_milestone(
            badger,
            session,
            row,
            programme,
            name="Atelier",
            kind="session",
            achievement_id=badge.id,
            starts_on=date(2023, 10, 7),
        )
        code = claims.open_window(badger, session, row, programme, milestone, minutes=30).code
    client = app.test_client()
    assert "Réclamer le badge" in client.get(f"/claim/{code}").get_data(as_text=True)
    assert client.get("/claim/ABCDEFGH").status_code == 404
    page = client.get(f"/claim/{code}")
    response = client.post(
        f"/claim/{code}",
        data={"csrf_token": _csrf(page.get_data(as_text=True)), "email": "visiteur@example.org", "name": "Yann"},
    )
    assert response.status_code == 200 and "transmise à l'équipe" in response.get_data(as_text=True)
    with badger.transaction() as session:
        for n in range(claims.MAX_WRONG - 1):
            claims.find_window(badger, session, f"WRONG{n:03d}", client=claims.client_key(badger, "127.0.0.1"))
    limited = client.get(f"/claim/{code}")
    assert limited.status_code == 429 and "Trop de codes" in limited.get_data(as_text=True)
