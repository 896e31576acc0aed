"""Programmes: roster import (validated per row, all or nothing, re-import updates), attendance
(checkboxes with CSRF, CSV), confirming a milestone through the bulk service, the dashboard
pages and their roles, the learner page (private link, export, rotation), and `badger demo`."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

import pytest

from badger import demo
from badger.accounts import service as accounts
from badger.bulk import service as bulk
from badger.core import audit
from badger.issuance import issuing
from badger.issuance.models import Credential
from badger.issuers import service as issuers
from badger.programmes import learners
from badger.programmes import service as programmes

PASSWORD = "correct horse battery staple"
ROSTER = """organisation,name,role,email
Biscuiterie des Abers,Gaëlle Morvan,dirigeant·e,gaelle@abers.example
Biscuiterie des Abers,Tristan Le Hir,Planet Champion,tristan@abers.example
"""


@pytest.fixture
def cec(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer(name="CEC Ouest 2023", slug="cec-ouest")
    badge = create_achievement(issuer).id
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "cec-ouest")
        programme = programmes.create_programme(badger, session, row, name="CEC Ouest 2023")
        milestone = programmes.add_milestone(
            badger,
            session,
            row,
            programme,
            name="Session 1 — Montée à bord",
            kind="session",
            achievement_id=badge,
            starts_on="2023-01-20",
            ends_on="2023-01-21",
            place="Rennes",
        )
        for role in accounts.ROLES:
            user = accounts.create_user(
                badger, session, email=f"{role}@cec-ouest.example", name=f"Staff {role}", password=PASSWORD
            )
            accounts.add_membership(badger, session, user, row, role, actor=audit.SYSTEM)
        return {"programme": programme.id, "milestone": milestone.id, "badge": badge}


def _programme(session, ids):
    issuer = issuers.get_issuer(session, "cec-ouest")
    return issuer, programmes.get_programme(session, issuer, ids["programme"])


def test_roster_import_validates_every_row_and_updates_on_reimport(badger, cec):
    with badger.transaction() as session:
        issuer, programme = _programme(session, cec)
        bad = (
            "name,email,role,organisation\n"
            "Gaëlle Morvan,gaelle@abers.example,dirigeant·e,Abers\n"
            ",nobody@abers.example,dirigeant·e,Abers\n"
            "Tristan,pas-un-email,Planet Champion,Abers\n"
            "Gaëlle bis,GAELLE@abers.example,dirigeant·e,Abers\n"
            "Sophie,sophie@kerjean.example,astronaute,Kerjean\n"
        ).encode()
        report = programmes.import_roster(badger, session, issuer, programme, bad)
        assert [(p.line, p.field, p.code) for p in report.problems] == [
            (3, "name", "roster.missing_name"),
            (4, "email", "roster.invalid_email"),
            (5, "email", "roster.duplicate"),
            (6, "role", "roster.unknown_role"),
        ]
        assert programmes.participants(session, programme) == []  # all or nothing
    with badger.transaction() as session:
        issuer, programme = _programme(session, cec)
        first = programmes.import_roster(badger, session, issuer, programme, ROSTER.encode())
        assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    with badger.transaction() as session:
        issuer, programme = _programme(session, cec)
        again = ROSTER.replace("Tristan Le Hir", "Tristan Le Hir-Kerné").replace(",", ";").encode("utf-8-sig")
        second = programmes.import_roster(badger, session, issuer, programme, again)
        assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
        people = programmes.participants(session, programme)
        assert sorted(p.name for p in people) == ["Gaëlle Morvan", "Tristan Le Hir-Kerné"]
        assert [e["action"] for e in audit.events(session, issuer.id, action="roster.import")] == ["roster.import"] * 2
    with badger.transaction() as session:
        issuer, programme = _programme(session, cec)
        for data in (b"", b"\xff\xfe", b"email\nx@y.example\n"):
            with pytest.raises(Exception) as refused:
                programmes.import_roster(badger, session, issuer, programme, data)
            assert refused.value.code.startswith("csv.")


def test_attendance_csv_and_confirmation_issue_once(badger, cec):
    with badger.transaction() as session:
        issuer, programme = _programme(session, cec)
        programmes.import_roster(badger, session, issuer, programme, ROSTER.encode())
        milestone = programmes.get_milestone(session, programme, cec["milestone"])
        bad = programmes.import_attendance(
            badger, session, issuer, programme, milestone, b"email\ngaelle@abers.example\nstranger@abers.example\n"
        )
        assert [(p.line, p.code) for p in bad.problems] == [(3, "attendance.not_on_roster")]
        assert programmes.attendees(session, milestone) == []
        with pytest.raises(Exception) as nobody:
            programmes.confirm_milestone(badger, session, issuer, programme, milestone)
        assert nobody.value.code == "milestone.no_attendees"
        good = programmes.import_attendance(
            badger,
            session,
            issuer,
            programme,
            milestone,
            b"email;name\nGAELLE@abers.example;G\ntristan@abers.example;T\n",
        )
        assert good.ok and good.created == 2
        job = programmes.confirm_milestone(badger, session, issuer, programme, milestone)
        job_id = job.id
    _wait(badger, job_id)
    with badger.transaction() as session:
        issuer, programme = _programme(session, cec)
        milestone = programmes.get_milestone(session, programme, cec["milestone"])
        job = programmes.confirm_milestone(badger, session, issuer, programme, milestone)  # again
        job_id = job.id
    progress = _wait(badger, job_id)
    assert (progress["issued"], progress["skipped"]) == (0, 2)
    with badger.transaction() as session:
        assert len(issuing.list_credentials(badger, session, achievement=cec["badge"])) == 2
        issuer, _ = _programme(session, cec)
        assert len(audit.events(session, issuer.id, action="milestone.confirm")) == 2


def _wait(badger, job_id) -> dict:
    from badger.bulk import runner as jobs

    jobs.run(badger, job_id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with badger.transaction() as session:
            progress = bulk.job_progress(bulk.get_job(session, issuers.get_issuer(session, "cec-ouest"), job_id))
        if progress["state"] == "done":
            return progress
        time.sleep(0.05)
    raise AssertionError("job not done")


def _csrf(html: str) -> str:
    match = (
        re.search(r'name="csrf_token" value="([^"]+)"', html)
        or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
        or re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def _login(client, role):
    page = client.get("/account/login")
    response = client.post(
        "/account/login",
        data={
            "email": f"{role}@cec-ouest.example",
            "password": PASSWORD,
            "csrf_token": _csrf(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302


def test_dashboard_pages_tick_and_confirm(badger, cec, client, create_issuer):
    base = "/dashboard/cec-ouest/programmes"
    assert client.get(base + "/").status_code == 302  # sign in first
    _login(client, "viewer")
    page = client.get(base + "/")
    assert page.status_code == 200 and "CEC Ouest 2023" in page.get_data(as_text=True)
    programme_url = f"{base}/{cec['programme']}"
    html = client.get(programme_url).get_data(as_text=True)
    assert "Session 1 — Montée à bord" in html and "Importer" not in html  # a viewer cannot import
    refused = client.post(programme_url + "/roster", data={"csrf_token": _csrf(html)})
    assert refused.status_code == 403
    client.post("/account/logout", data={"csrf_token": _csrf(html)})

    _login(client, "issuer")
    html = client.get(programme_url).get_data(as_text=True)
    no_csrf = client.post(programme_url + "/roster", data={"file": (io.BytesIO(ROSTER.encode()), "roster.csv")})
    assert no_csrf.status_code == 400
    bad = client.post(
        programme_url + "/roster",
        data={"csrf_token": _csrf(html), "file": (io.BytesIO(b"name,email\nX,nope\n"), "r.csv")},
    )
    assert bad.status_code == 400 and "Ligne 2" in bad.get_data(as_text=True)
    done = client.post(
        programme_url + "/roster", data={"csrf_token": _csrf(html), "file": (io.BytesIO(ROSTER.encode()), "r.csv")}
    )
    assert done.status_code == 302
    milestone_url = f"{programme_url}/milestones/{cec['milestone']}"
    html = client.get(milestone_url).get_data(as_text=True)
    ids = re.findall(r'name="present" value="([0-9a-f-]{36})"', html)
    assert len(ids) == 2
    saved = client.post(milestone_url + "/attendance", data={"csrf_token": _csrf(html), "present": ids[:1]})
    assert saved.status_code == 302
    html = client.get(milestone_url).get_data(as_text=True)
    assert html.count(" checked") == 1
    confirmed = client.post(milestone_url + "/confirm", data={"csrf_token": _csrf(html)})
    assert confirmed.status_code == 302
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with badger.transaction() as session:
            if issuing.list_credentials(badger, session, achievement=cec["badge"]):
                break
        time.sleep(0.1)
    with badger.transaction() as session:
        assert len(issuing.list_credentials(badger, session, achievement=cec["badge"])) == 1
    # Another partner's programme is not even confirmed to exist.
    create_issuer(name="Labo de l'ESS", slug="labo-ess", url="https://labo-ess.example")
    assert client.get(f"/dashboard/labo-ess/programmes/{cec['programme']}").status_code == 404
    assert client.get(f"{base}/00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get(f"{base}/not-a-uuid").status_code == 404
    # Pathways and endorsements pages render.
    assert client.get(base + "/pathways").status_code == 200
    assert client.get(base + "/endorsements").status_code == 200


def test_learner_page_export_and_rotation(badger, cec, client):
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, "cec-ouest")
        issuing.issue(
            badger,
            session,
            issuer,
            issuing.IssueRequest(achievement=cec["badge"], email="ana@example.org", name="Ana Le Gall"),
        )
        issuing.issue(
            badger,
            session,
            issuer,
            issuing.IssueRequest(achievement=cec["badge"], email="ana@example.org", format="jwt"),
        )
        url = learners.link_url(badger, session, email="Ana@Example.org")
        assert url == learners.link_url(badger, session, email="ana@example.org")  # stable until rotated
    path = url[len(badger.base_url) :]
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ana Le Gall" in html and "Session 1" in html
    assert page.headers["Referrer-Policy"] == "no-referrer" and "noindex" in page.headers["X-Robots-Tag"]
    export = client.get(path + "/export.zip")
    assert export.status_code == 200 and export.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(export.data)).namelist()
    assert len([n for n in names if n.endswith(".json")]) == 2 and len([n for n in names if n.endswith(".jwt")]) == 1
    assert len([n for n in names if n.endswith((".png", ".svg"))]) == 2 and "README.txt" in names
    # Issue 15: the README speaks the learner's language; the page shows French dates.
    readme = zipfile.ZipFile(io.BytesIO(export.data)).read("README.txt").decode("utf-8")
    assert readme.startswith("Vos Open Badges") and "valide" in readme
    english = zipfile.ZipFile(io.BytesIO(client.get(path + "/export.zip?lang=en").data)).read("README.txt")
    assert english.decode("utf-8").startswith("Your Open Badges")
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
    assert any(f" {month} " in html for month in months)
    rotated = client.post(path + "/rotate", data={"csrf_token": _csrf(html)})
    assert rotated.status_code == 303 and rotated.location != path
    assert client.get(path).status_code == 404  # the old link no longer works
    assert client.get(rotated.location).status_code == 200
    assert client.get("/learners/short").status_code == 404
    assert client.get("/learners/" + "A" * 43).status_code == 404


def test_demo_summary_and_idempotence(badger):
    with badger.transaction() as session:
        first = demo.load_demo(badger, session)
    with badger.transaction() as session:
        second = demo.load_demo(badger, session)
    assert set(second["created"].values()) == {0}
    counts = first["counts"]
    assert counts == second["counts"]
    assert (counts["issuers"], counts["programmes"], counts["milestones"], counts["participants"]) == (3, 2, 15, 18)
    assert first["created"]["credentials"] == counts["credentials"]
    # The pathway: the four organisations that did everything, two people each.
    assert first["pathway"]["name"] == "Parcours CEC Ouest 2023 complet" and first["pathway"]["awarded"] == 8
    assert first["pathway"]["required"] == 7
    assert first["login"]["password"] == demo.DEMO_PASSWORD and len(first["login"]["accounts"]) == 4
    assert all(r[3].endswith(".example") for r in demo.DEMO_ROSTER)
    sessions = [m for m in demo.DEMO_MILESTONES if m.kind == "session"]
    assert [(m.place, m.starts_on.isoformat()) for m in sessions] == [
        ("Rennes", "2023-01-20"),
        ("Nantes", "2023-03-10"),
        ("Saint-Malo", "2023-05-04"),
        ("Brest", "2023-06-29"),
        ("Angers", "2023-09-14"),
        ("Nantes", "2023-10-12"),
    ]
    assert len([m for m in demo.DEMO_MILESTONES if m.kind == "webinar"]) == 7
    with badger.transaction() as session:
        # The pathway credentials embed the Labo de l'ESS endorsement of their badge class.
        row = session.get(Credential, first["pathway"]["credentials"][0].rsplit("/", 1)[1])
        achievement = json.loads(row.document)["credentialSubject"]["achievement"]
        assert achievement["endorsement"][0]["issuer"]["name"] == "Labo de l'ESS"
        assert (
            accounts.authenticate(badger, session, "coordination@cec-ouest.example", demo.DEMO_PASSWORD, ip="127.0.0.1")
            is not None
        )
        page = learners.page(badger, session, first["learners"][0]["url"].rsplit("/", 1)[1])
        assert page["pathways"][0]["complete"] and page["pathways"][0]["credential"]
        partial = learners.page(badger, session, first["learners"][1]["url"].rsplit("/", 1)[1])
        assert not partial["pathways"][0]["complete"] and partial["pathways"][0]["missing"]
