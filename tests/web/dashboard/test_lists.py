"""The dashboard's lists (issue 15): badge classes, issued badges, a programme's roster, bulk
jobs and the audit log are sorted, searched by name and e-mail, paged with a total count, and
exported whole as CSV for French spreadsheets, through one list helper (badger.web.listing);
and bulk revocation, from a selection or a CSV file, through a review step. On SQLite and
PostgreSQL (the ``badger`` fixture), through the Flask test client with real CSRF tokens."""

from __future__ import annotations

import csv
import html as html_lib
import io
import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest

from badger.achievements import service as achievements
from badger.bulk import service as bulk_jobs
from badger.core import audit, events
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.programmes import service as programmes
from tests.web.dashboard.test_dashboard import _csrf, login, partner  # noqa: F401 (partner is a fixture)

BASE = "/dashboard/cec-ouest"


def _spreadsheet(response) -> list[dict]:
    """A CSV read as a French spreadsheet reads it: UTF-8 with BOM, semicolons."""
    assert response.status_code == 200 and response.mimetype == "text/csv", response.data[:300]
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def _cells(page: str, label: str) -> list[str]:
    """The text of every cell of the column ``label`` (its data-label), in order."""
    found = re.findall(rf'<td data-label="{re.escape(label)}"[^>]*>(.*?)</td>', page, re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


def _text(page: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _tick(badger) -> None:
    """A clock that moves one second per reading: "newest first" has no ties to break."""
    moments = itertools.count()
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    badger.clock = lambda: start + timedelta(seconds=next(moments))


def _count(page: str) -> str:
    match = re.search(r'<p role="status" class="list-count">(.*?)</p>', page, re.S)
    assert match, "no count on the page"
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())


def _issuer(session):
    return issuers.get_issuer(session, "cec-ouest")


def _badge(badger, name: str, **kw):
    with badger.transaction() as session:
        row = achievements.create_achievement(
            badger,
            session,
            _issuer(session),
            name=name,
            description=f"{name}: description.",
            criteria=kw.pop("criteria", "Avoir participé."),
            **kw,
        )
        return row.id


def _issue(badger, badge_id: str, people: list[tuple[str, str]]) -> list[str]:
    with badger.transaction() as session:
        rows = issuing.issue_batch(
            badger,
            session,
            _issuer(session),
            [issuing.IssueRequest(achievement=badge_id, email=email, name=name) for name, email in people],
        )
        return [row.id for row in rows]


PEOPLE = [(f"Personne {i:02d}", f"p{i:02d}@example.org") for i in range(60)]


@pytest.fixture
def issued(badger, partner):  # noqa: F811
    """60 badges of "Fresque du climat" and one of "Atelier 2tonnes" for Élodie Kerjean."""
    _tick(badger)
    fresque = _badge(badger, "Fresque du climat")
    atelier = _badge(badger, "Atelier 2tonnes")
    ids = _issue(badger, fresque, PEOPLE)
    elodie = _issue(badger, atelier, [("Élodie Kerjean", "elodie@example.org")])[0]
    return {"fresque": fresque, "atelier": atelier, "ids": ids, "elodie": elodie}


def test_credentials_list_sorts_searches_pages_and_exports(app, badger, issued):
    client = login(app.test_client(), "viewer")
    url = f"{BASE}/credentials"
    first = client.get(url).get_data(as_text=True)
    assert _count(first) == "1 à 50 sur 61"  # no more silent cap: a count and page links
    assert len(_cells(first, "Titulaire")) == 50
    assert 'aria-label="Pages de la liste"' in first and "?page=2" in first
    assert _cells(first, "Titulaire")[0] == "Élodie Kerjean"  # newest first

    last = client.get(url + "?per_page=25&page=3").get_data(as_text=True)
    assert _count(last) == "51 à 61 sur 61" and len(_cells(last, "Titulaire")) == 11
    # Sorting runs in SQL on an allow-listed column; the direction turns around.
    up = _cells(client.get(url + "?q=Personne+0&sort=recipient&dir=asc").get_data(as_text=True), "Titulaire")
    assert up == [f"Personne {i:02d}" for i in range(10)]
    down = _cells(client.get(url + "?q=personne+0&sort=recipient&dir=desc").get_data(as_text=True), "Titulaire")
    assert down == list(reversed(up))
    by_badge = _cells(client.get(url + "?sort=badge&dir=asc&per_page=100").get_data(as_text=True), "Badge")
    assert by_badge[0] == "Atelier 2tonnes" and by_badge[-1] == "Fresque du climat"
    # Search: a name in part, any case; an e-mail address as a whole (only its keyed hash is kept).
    assert _cells(client.get(url + "?q=KERJEAN").get_data(as_text=True), "Titulaire") == ["Élodie Kerjean"]
    assert _cells(client.get(url + "?q=ELODIE@example.org").get_data(as_text=True), "Titulaire") == ["Élodie Kerjean"]
    assert _cells(client.get(url + "?email=p07@example.org").get_data(as_text=True), "Titulaire") == ["Personne 07"]
    nothing = client.get(url + "?q=example.org").get_data(as_text=True)
    assert "Rien ne correspond" in nothing and not _cells(nothing, "Titulaire")
    # Filters and search together; unknown filter values are ignored.
    both = client.get(url + f"?achievement={issued['fresque']}&q=Personne+5").get_data(as_text=True)
    assert _count(both).startswith("1 à 10 sur 10")
    # Bad parameters give the defaults (or the last page), never an error.
    for bad in (
        "?sort=issued_at;drop&dir=sideways&page=-1&per_page=9999",
        "?page=abc&per_page=",
        "?sort=document&q=" + "x" * 5000,
        "?status=nope&achievement=nope",
        "?q=%00%01",
    ):
        response = client.get(url + bad)
        assert response.status_code == 200, bad
    beyond = client.get(url + "?page=999").get_data(as_text=True)
    assert _count(beyond) == "51 à 61 sur 61"

    # The export: the whole filtered list in the page's order, not one page.
    rows = _spreadsheet(client.get(f"{BASE}/credentials.csv?q=personne&sort=recipient&dir=desc&page=2&per_page=25"))
    assert list(rows[0]) == ["Délivré le", "Badge", "Titulaire", "Statut", "Motif", "Adresse du badge"]
    assert [r["Titulaire"] for r in rows] == [f"Personne {i:02d}" for i in reversed(range(60))]
    assert {r["Statut"] for r in rows} == {"Actif"}
    assert [r["Titulaire"] for r in _spreadsheet(client.get(f"{BASE}/credentials.csv?q=elodie@example.org"))] == [
        "Élodie Kerjean"
    ]


def test_badge_classes_list(app, badger, partner):  # noqa: F811
    _tick(badger)
    for i in range(27):
        _badge(badger, f"Badge {i:02d}", published=i % 2 == 0)
    _badge(badger, "Éco-délégué")
    client = login(app.test_client(), "viewer")
    url = f"{BASE}/badges"
    page = client.get(url).get_data(as_text=True)
    assert _count(page) == "1 à 28 sur 28"
    assert re.findall(r'badge_preview|/preview">([^<]+)</a>', page)  # linked names
    small = client.get(url + "?per_page=25&sort=name&dir=asc&page=2").get_data(as_text=True)
    assert _count(small) == "26 à 28 sur 28"
    names = re.findall(
        r'<td><a href="[^"]+/preview">([^<]+)</a></td>',
        client.get(url + "?sort=name&dir=asc&q=badge+0").get_data(as_text=True),
    )
    assert names == [f"Badge {i:02d}" for i in range(10)]
    names_desc = re.findall(
        r'<td><a href="[^"]+/preview">([^<]+)</a></td>',
        client.get(url + "?sort=name&dir=desc&q=BADGE+0").get_data(as_text=True),
    )
    assert names_desc == list(reversed(names))
    assert client.get(url + "?sort=image&page=0").status_code == 200
    rows = _spreadsheet(client.get(f"{BASE}/badges.csv?q=badge&sort=name&dir=asc"))
    assert list(rows[0]) == ["Nom", "Type de badge", "Publié", "Dernière modification", "Page publique"]
    assert [r["Nom"] for r in rows] == [f"Badge {i:02d}" for i in range(27)]  # the whole list, not a page
    assert {r["Publié"] for r in rows} == {"oui", "non"}


ROSTER = "organisation;nom;role;email\n" + "".join(
    f"{'Mairie de Vannes' if i % 3 else 'Biocoop Lorient'};Participant {i:02d};dirigeant·e;part{i:02d}@{'bzh' if i % 2 else 'example'}.org\n"
    for i in range(30)
)


def test_programme_roster_list(app, badger, partner):  # noqa: F811
    with badger.transaction() as session:
        issuer = _issuer(session)
        programme = programmes.create_programme(badger, session, issuer, name="CEC Ouest 2023")
        report = programmes.import_roster(badger, session, issuer, programme, ROSTER.encode())
        assert not report.problems
        programme_id = programme.id
    client = login(app.test_client(), "viewer")
    url = f"{BASE}/programmes/{programme_id}"
    page = client.get(url).get_data(as_text=True)
    assert _count(page) == "1 à 30 sur 30"
    assert _cells(page, "Nom")[:2] == ["Participant 00", "Participant 01"]  # by name by default
    second = client.get(url + "?per_page=25&page=2").get_data(as_text=True)
    assert _cells(second, "Nom") == [f"Participant {i:02d}" for i in range(25, 30)]
    # Search in e-mail addresses (kept in the roster), names and organisations.
    assert len(_cells(client.get(url + "?q=@BZH.org").get_data(as_text=True), "Nom")) == 15
    assert _cells(client.get(url + "?q=participant+07").get_data(as_text=True), "Nom") == ["Participant 07"]
    assert len(_cells(client.get(url + "?q=biocoop").get_data(as_text=True), "Nom")) == 10
    by_email = _cells(client.get(url + "?sort=email&dir=desc&q=bzh").get_data(as_text=True), "E-mail")
    assert by_email == sorted(by_email, reverse=True) and len(by_email) == 15
    assert client.get(url + "?sort=recipient_lookup&dir=x&per_page=-5").status_code == 200
    rows = _spreadsheet(client.get(f"{BASE}/programmes/{programme_id}/roster.csv?q=bzh&sort=email&dir=asc"))
    assert list(rows[0]) == ["Nom", "E-mail", "Organisation", "Rôle", "Étapes suivies", "Ajouté le"]
    assert [r["E-mail"] for r in rows] == sorted(by_email)
    assert all(r["Rôle"] == "dirigeant·e" and r["Étapes suivies"] == "0" for r in rows)
    assert client.get(f"{BASE}/programmes/00000000-0000-4000-8000-000000000000/roster.csv").status_code == 404


def test_jobs_list(app, badger, partner):  # noqa: F811
    _tick(badger)
    badge_id = _badge(badger, "Fresque du climat")
    other = _badge(badger, "Atelier 2tonnes")
    with badger.transaction() as session:
        issuer = _issuer(session)
        rows = bulk_jobs.parse_csv(b"email,name\ncamille@example.org,Camille\n")
        for i in range(27):
            bulk_jobs.start(
                badger,
                session,
                issuer,
                other if i == 3 else badge_id,
                rows,
                actor=audit.Actor("user:1", "issuer@cec-ouest.example.org"),
                source=f"session-{i:02d}.csv",
                dispatch=False,
            )
    client = login(app.test_client(), "viewer")
    url = f"{BASE}/jobs"
    page = client.get(url).get_data(as_text=True)
    assert _count(page) == "1 à 27 sur 27"
    assert _cells(page, "Fichier")[0] == "session-26.csv"  # newest first
    assert _cells(client.get(url + "?per_page=25&page=2").get_data(as_text=True), "Fichier") == [
        "session-01.csv",
        "session-00.csv",
    ]
    assert _cells(client.get(url + "?sort=source&dir=asc&q=session-0").get_data(as_text=True), "Fichier") == [
        f"session-{i:02d}.csv" for i in range(10)
    ]
    assert _cells(client.get(url + "?q=2tonnes").get_data(as_text=True), "Fichier") == ["session-03.csv"]
    assert len(_cells(client.get(url + "?q=ISSUER@cec").get_data(as_text=True), "Fichier")) == 27
    assert not _cells(client.get(url + "?q=owner@cec").get_data(as_text=True), "Fichier")
    assert client.get(url + "?sort=id&dir=up").status_code == 200
    rows = _spreadsheet(client.get(f"{BASE}/jobs.csv?sort=source&dir=desc"))
    assert list(rows[0])[:6] == ["Lancé le", "Badge", "Fichier", "Lancé par", "État", "Lignes"]
    assert [r["Fichier"] for r in rows] == [f"session-{i:02d}.csv" for i in reversed(range(27))]
    assert {r["État"] for r in rows} == {"En attente"} and {r["Lignes"] for r in rows} == {"1"}


def test_audit_list(app, badger, issued):
    client = login(app.test_client(), "owner")
    url = f"{BASE}/audit"
    page = client.get(url).get_data(as_text=True)
    count = _count(page)
    assert count.startswith("1 à 50 sur ") and int(count.split()[-1].replace("\u202f", "")) >= 63
    newest = _cells(client.get(url + "?kind=credential&per_page=100").get_data(as_text=True), "Objet")
    oldest = _cells(client.get(url + "?kind=credential&per_page=100&sort=when&dir=asc").get_data(as_text=True), "Objet")
    assert len(newest) == 61 and oldest == list(reversed(newest))
    issued_only = client.get(url + "?kind=credential&per_page=25&page=3").get_data(as_text=True)
    assert _count(issued_only) == "51 à 61 sur 61"
    assert "kind=credential" in issued_only.split('aria-label="Pages de la liste"')[1]  # links keep the filter
    rows = _spreadsheet(client.get(f"{BASE}/audit.csv?kind=credential&per_page=25"))
    assert len(rows) == 61 and list(rows[0]) == ["Quand", "Qui", "Quoi", "Objet", "Détails"]
    # Search by who acted (the e-mail kept with the event).
    owner = login(app.test_client(), "owner")
    page = owner.get(f"{BASE}/staff").get_data(as_text=True)
    found = client.get(url + "?q=nobody@nowhere.example").get_data(as_text=True)
    assert "Rien ne correspond" in found
    assert client.get(url + "?sort=detail&dir=no&page=x").status_code == 200


# ------------------------------------------------------------------------------- bulk revoke


def _review(client, data: dict, **kw):
    page = client.get(f"{BASE}/credentials").get_data(as_text=True)
    return client.post(f"{BASE}/credentials/revoke", data={**data, "csrf_token": _csrf(page)}, **kw)


def _plan(page: str) -> str:
    return re.search(r'name="plan" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="plan"', page).group(1) or ""


def _confirm(client, review_html: str, reason: str):
    plan = re.search(r'<input[^>]*name="plan"[^>]*>', review_html).group(0)
    token = re.search(r'value="([^"]+)"', plan).group(1)
    return client.post(
        f"{BASE}/credentials/revoke/confirm",
        data={"csrf_token": _csrf(review_html), "plan": token, "reason": reason},
    )


def _statuses(badger, ids):
    with badger.transaction() as session:
        return {i: (r.status, r.status_reason) for i in ids for r in [issuing.get_credential(session, i)]}


def _revocations(badger) -> list[dict]:
    with badger.transaction() as session:
        return [e for e in audit.events(session, _issuer(session).id, action="credential.revoke", limit=None)]


def test_bulk_revoke_from_a_selection(app, badger, issued):
    ids = issued["ids"]
    client = login(app.test_client(), "issuer")
    changed = []
    badger.events.subscribe(events.STATUS_CHANGED, lambda **kw: changed.append(kw["credential"].id))
    # One already revoked through the one-badge path.
    page = client.get(f"{BASE}/credentials/{ids[0]}").get_data(as_text=True)
    client.post(
        f"{BASE}/credentials/{ids[0]}/status", data={"csrf_token": _csrf(page), "action": "revoke", "reason": "Erreur"}
    )
    listing = client.get(f"{BASE}/credentials?per_page=100").get_data(as_text=True)
    assert f'value="{ids[1]}"' in listing and f'value="{ids[0]}"' not in listing  # no box for a revoked badge
    review = _review(client, {"credential": [ids[1], ids[2], ids[0], "not-an-id", issued["elodie"]]})
    html = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "3 badges seront révoqués" in _text(html) and "Déjà révoqué" in html
    assert "Oui, révoquer 3 badges" in html  # plural-aware, behind the confirmation step
    assert '<details class="confirm-step"' in html
    # No reason: refused, nothing revoked.
    refused = _confirm(client, html, "")
    assert refused.status_code == 400 and "motif" in refused.get_data(as_text=True)
    assert {s for s, _r in _statuses(badger, [ids[1], ids[2], issued["elodie"]]).values()} == {"active"}
    done = _confirm(client, refused.get_data(as_text=True), "Session annulée")
    assert done.status_code == 200 and "3 badges sont révoqués." in _text(done.get_data(as_text=True))
    assert _statuses(badger, [ids[1], ids[2], issued["elodie"]]) == {
        i: ("revoked", "Session annulée") for i in (ids[1], ids[2], issued["elodie"])
    }
    assert _statuses(badger, [ids[3]])[ids[3]][0] == "active"
    assert sorted(changed) == sorted([ids[0], ids[1], ids[2], issued["elodie"]])
    revocations = _revocations(badger)
    assert len(revocations) == 4 and {e["target"] for e in revocations} >= {ids[1], ids[2], issued["elodie"]}
    report_url = re.search(r'href="([^"]+/credentials/revoke/report/[^"]+\.csv)"', done.get_data(as_text=True)).group(1)
    rows = _spreadsheet(client.get(report_url))
    assert list(rows[0]) == ["Ligne", "Demandé", "Badge", "Titulaire", "Résultat", "Motif", "Adresse du badge"]
    assert [(r["Ligne"], r["Résultat"]) for r in rows] == [
        ("1", "Révoqué"),
        ("2", "Révoqué"),
        ("3", "Déjà révoqué"),
        ("4", "Révoqué"),
    ]  # the malformed id never reaches the plan
    assert rows[0]["Titulaire"] == "Personne 01" and rows[0]["Motif"] == "Session annulée"
    # The report is its author's only; a viewer cannot revoke.
    assert login(app.test_client(), "owner").get(report_url).status_code == 404
    viewer = login(app.test_client(), "viewer")
    assert _review(viewer, {"credential": [ids[5]]}).status_code == 403


def test_bulk_revoke_from_a_csv_file(app, badger, issued):
    ids = issued["ids"]
    client = login(app.test_client(), "issuer")
    with badger.transaction() as session:
        url_of = issuing.get_credential(session, ids[10]).id
    text = (
        "credential;email;badge\n"
        f"https://badger.example/credentials/{url_of};;\n"  # an address
        f"{ids[11]};;\n"  # a bare id
        ";p12@example.org;Fresque du climat\n"  # e-mail + class name
        ";ELODIE@example.org;atelier 2TONNES\n"  # any case
        "pas-un-identifiant;;\n"
        ";p13@example.org;Badge inconnu\n"
        ";pas-une-adresse;Fresque du climat\n"
        f"{ids[11]};;\n"  # twice
        ";p13@example.org;\n"
        ";inconnu@example.org;Fresque du climat\n"
        "00000000-0000-4000-8000-000000000000;;\n"
    )
    review = _review(
        client, {"file": (io.BytesIO(text.encode("cp1252")), "revocations.csv")}, content_type="multipart/form-data"
    )
    html = review.get_data(as_text=True)
    assert review.status_code == 200, html[:2000]
    flat = _text(html)
    assert "4 badges seront révoqués" in flat and "7 lignes ne seront pas utilisées" in flat
    problems = dict(zip(_cells(html, "Ligne")[:7], _cells(html, "Pourquoi"), strict=True))
    assert problems == {
        "6": "Ni l’identifiant ni l’adresse d’un badge",
        "7": "Aucun badge de ce nom",
        "8": "Adresse e-mail invalide",
        "9": "Déjà demandé à une ligne précédente",
        "10": "Aucun badge indiqué à côté de l’adresse e-mail",
        "11": "Aucun badge de ce type parmi les vôtres",
        "12": "Aucun badge de ce type parmi les vôtres",
    }
    done = _confirm(client, html, "Fresque non terminée")
    assert done.status_code == 200
    targets = [ids[10], ids[11], ids[12], issued["elodie"]]
    assert {s for s, _r in _statuses(badger, targets).values()} == {"revoked"}
    assert _statuses(badger, [ids[13]])[ids[13]][0] == "active"
    report_url = re.search(r'href="([^"]+\.csv)"[^>]*id="revoke-report"', done.get_data(as_text=True)).group(1)
    rows = _spreadsheet(client.get(report_url))
    assert [r["Ligne"] for r in rows] == [str(n) for n in range(2, 13)]
    assert [r["Résultat"] for r in rows].count("Révoqué") == 4
    # The same file again: everything is already revoked, nothing to confirm.
    again = _review(
        client, {"file": (io.BytesIO(text.encode("utf-8")), "revocations.csv")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "Rien à révoquer." in again and 'name="plan"' not in again
    # Files that cannot be read at all are refused on the list page, with a message.
    for bad, name in ((b"", "vide.csv"), (b"\x00\x01", "binaire.csv"), (b"a;b\n", "image.png")):
        refused = _review(client, {"file": (io.BytesIO(bad), name)}, content_type="multipart/form-data")
        assert refused.status_code == 400, name


def test_bulk_revoke_is_all_or_nothing(app, badger, issued):
    ids = issued["ids"]
    client = login(app.test_client(), "issuer")
    html = _review(client, {"credential": [ids[20], ids[21], ids[22]]}).get_data(as_text=True)
    # Meanwhile, one of them is revoked elsewhere: the confirmation revokes none of them.
    page = client.get(f"{BASE}/credentials/{ids[22]}").get_data(as_text=True)
    client.post(
        f"{BASE}/credentials/{ids[22]}/status",
        data={"csrf_token": _csrf(page), "action": "revoke", "reason": "Ailleurs"},
    )
    before = len(_revocations(badger))
    response = _confirm(client, html, "Tous")
    assert response.status_code == 409 and "rien n’a été révoqué" in response.get_data(as_text=True)
    assert [s for s, _r in _statuses(badger, [ids[20], ids[21]]).values()] == ["active", "active"]
    assert len(_revocations(badger)) == before
    # A forged or expired plan is refused without an error page.
    expired = client.post(
        f"{BASE}/credentials/revoke/confirm", data={"csrf_token": _csrf(html), "plan": "x" * 30, "reason": "Tous"}
    )
    assert expired.status_code == 302
    assert client.get(f"{BASE}/credentials/revoke/report/{'y' * 30}.csv").status_code == 404


def test_badge_requests_list(app, badger, partner):  # noqa: F811
    """Every badge request, beyond the 50 the queue page used to keep: searched, sorted, paged,
    exported."""
    from badger.recognition import modes, requests

    _tick(badger)
    badge = _badge(badger, "Animer une fresque du climat", criteria="- Animer une fresque complète")
    with badger.transaction() as session:
        modes.set_mode(badger, session, _issuer(session), badge, "request")
        for i in range(55):
            requests.create_request(
                badger,
                session,
                badge,
                name=f"Demandeur {i:02d}",
                email=f"demandeur{i:02d}@{'bzh' if i % 5 == 0 else 'example'}.org",
                statements=["J'ai animé trois fresques."],
                evidence=requests.EvidenceIn(urls=("https://example.org/fresque",), files=()),
                lang="fr",
            )
    client = login(app.test_client(), "viewer")
    url = f"{BASE}/recognition/"
    page = client.get(url).get_data(as_text=True)
    assert _count(page) == "1 à 50 sur 55"
    assert _cells(page, "Demandeur·se")[0] == "Demandeur 54"  # newest first
    last = client.get(url + "?page=2").get_data(as_text=True)
    assert _cells(last, "Demandeur·se") == [f"Demandeur {i:02d}" for i in reversed(range(5))]
    found = _cells(client.get(url + "?q=@BZH.ORG&sort=name&dir=asc").get_data(as_text=True), "Demandeur·se")
    assert found == [f"Demandeur {i:02d}" for i in range(0, 55, 5)]
    assert client.get(url + "?sort=token_hash&dir=x&page=y").status_code == 200
    rows = _spreadsheet(client.get(f"{BASE}/recognition/requests.csv?sort=email&dir=asc"))
    assert len(rows) == 55 and list(rows[0])[:4] == ["Demandé le", "Demandeur·se", "E-mail", "Badge"]
    assert rows[0]["E-mail"] == "demandeur00@bzh.org"
