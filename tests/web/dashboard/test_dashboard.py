"""The partner dashboard (issue 5): badge class editor with drafts and preview, issuing one,
bulk issuance through a dry run, status changes with a reason, the audit log. Service-level
checks and pages driven through the Flask test client with real CSRF tokens, on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import pytest

from badger.accounts import service as accounts
from badger.achievements import service as achievements
from badger.core import audit
from badger.errors import InvalidInput, NotFound
from badger.issuance import issuing
from badger.issuers import service as issuers

PASSWORD = "correct horse battery staple"
ONE_BY_ONE_PNG = None  # built lazily with Pillow


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 120, 60)).save(out, format="PNG")
    return out.getvalue()


def _csrf(html: str) -> str:
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    assert tag, "no CSRF token in the page"
    return re.search(r'value="([^"]+)"', tag.group(0)).group(1)


@pytest.fixture
def partner(badger, create_issuer):
    """The CEC Ouest partner with one staff account per role."""
    issuer, _token = create_issuer(name="CEC Ouest 2023", slug="cec-ouest")
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "cec-ouest")
        for role in accounts.ROLES:
            user = accounts.create_user(
                badger, session, email=f"{role}@cec-ouest.example.org", name=f"Staff {role}", password=PASSWORD
            )
            accounts.add_membership(badger, session, user, row, role, actor=audit.SYSTEM)
        outsider = accounts.create_user(
            badger, session, email="someone@elsewhere.example.org", name="Someone", password=PASSWORD
        )
        assert outsider is not None
    return issuer


def login(client, role: str):
    email = f"{role}@cec-ouest.example.org" if role in accounts.ROLES else role
    page = client.get("/account/login")
    response = client.post(
        "/account/login", data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page.get_data(as_text=True))}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def post_form(client, url: str, data: dict, **kw):
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return client.post(url, data={**data, "csrf_token": _csrf(page.get_data(as_text=True))}, **kw)


BADGE = {
    "name": "Animer une fresque du climat",
    "description": "Avoir animé une fresque du climat lors du fresquathon de Vannes (octobre 2023).",
    "criteria": "- Animer **une fresque** complète\n- Présenter le [guide](https://fresqueduclimat.org/)\n\n<script>alert('x')</script> [piège](javascript:alert(1))",
    "name_en": "Facilitate a Climate Fresk",
    "description_en": "Facilitated a Climate Fresk at the Vannes fresquathon (October 2023).",
    "criteria_en": "Facilitate one **full** fresk.",
    "achievement_type": "Competency",
    "tags": "climat, fresque",
    "valid_for_days": "730",
    "alignments-0-target_name": "Sensibiliser aux enjeux du changement climatique",
    "alignments-0-target_url": "https://www.francecompetences.fr/recherche/rs/5432/",
    "alignments-0-target_code": "RS5432",
    "alignments-0-target_framework": "RS",
    "alignments-0-target_type": "CFItem",
}


def create_badge(client, image: bytes | None = None, **changes):
    data = {**BADGE, **changes}
    if image is not None:
        data["image"] = (io.BytesIO(image), "badge.png")
    response = post_form(client, "/dashboard/cec-ouest/badges/new", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/badges/([0-9a-f-]{36})/preview", response.headers["Location"])
    return match.group(1)


def publish(client, achievement_id):
    url = f"/dashboard/cec-ouest/badges/{achievement_id}/preview"
    page = client.get(url)
    response = client.post(
        f"/dashboard/cec-ouest/badges/{achievement_id}/publish", data={"csrf_token": _csrf(page.get_data(as_text=True))}
    )
    assert response.status_code == 302


# ------------------------------------------------------------------------------ service level


def test_drafts_cannot_be_issued_and_are_hidden(badger, create_issuer):
    issuer, _ = create_issuer(slug="labo-ess", name="Labo de l'ESS")
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "labo-ess")
        draft = achievements.create_achievement(
            badger,
            session,
            row,
            name="Chantier coopératif",
            description="Un chantier du Labo de l'ESS.",
            criteria="Écrire la charte du chantier.",
            published=False,
            in_language="fr",
            name_en="Cooperative worksite",
            actor=audit.Actor("user:x", "x@example.org"),
        )
        draft_id = draft.id
        assert json.loads(draft.document)["inLanguage"] == "fr"
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "labo-ess")
        with pytest.raises(NotFound) as caught:
            achievements.get_achievement(session, draft_id)
        assert caught.value.code == "achievement.draft"
        assert achievements.list_achievements(session, row) == []
        assert [a.id for a in achievements.list_achievements(session, row, drafts=True)] == [draft_id]
        with pytest.raises(NotFound):
            issuing.issue(badger, session, row, issuing.IssueRequest(achievement=draft_id, email="a@example.org"))
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "labo-ess")
        achievements.publish_achievement(badger, session, row, draft_id, actor=audit.SYSTEM)
        credential = issuing.issue(
            badger, session, row, issuing.IssueRequest(achievement=draft_id, email="a@example.org")
        )
        assert json.loads(credential.document)["credentialSubject"]["achievement"]["inLanguage"] == "fr"
        published = achievements.get_achievement(session, draft_id)
        assert achievements.texts(published, "en")["name"] == "Cooperative worksite"
        # No English description: the French one is shown.
        assert achievements.texts(published, "en")["description"] == "Un chantier du Labo de l'ESS."
        assert achievements.texts(published, "fr")["name"] == "Chantier coopératif"
        actions = [e["action"] for e in audit.events(session, row.id)]
        assert "achievement.create" in actions and "achievement.publish" in actions


def test_update_keeps_alignments_and_english_texts(badger, create_issuer):
    issuer, _ = create_issuer(slug="crois-sens", name="Crois/Sens")
    alignment = {
        "target_name": "Comprendre son territoire",
        "target_url": "https://esco.ec.europa.eu/fr/x",
        "target_framework": "ESCO",
        "target_type": "ceasn:Competency",
    }
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "crois-sens")
        badge = achievements.create_achievement(
            badger,
            session,
            row,
            name="Module 1",
            description="D",
            criteria="C",
            alignments=[alignment],
            description_en="English D",
        )
        badge_id = badge.id
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "crois-sens")
        updated = achievements.update_achievement(badger, session, row, badge_id, {"name": "Module 1 — territoire"})
        fields = achievements.editable_fields(updated)
        assert fields["alignments"] == [alignment]
        assert fields["description_en"] == "English D"
        with pytest.raises(InvalidInput):
            achievements.update_achievement(
                badger,
                session,
                row,
                badge_id,
                {"alignments": [{"target_name": "x", "target_url": "https://x.example", "target_type": "NotAType"}]},
            )


# ---------------------------------------------------------------------------------- the pages


def test_access_rules(client, partner):
    assert client.get("/dashboard/cec-ouest/").status_code == 302  # sign in first
    login(client, "someone@elsewhere.example.org")
    assert client.get("/dashboard/cec-ouest/").status_code == 404  # not a member: not even confirmed


def test_roles(app, partner):
    viewer = login(app.test_client(), "viewer")
    assert viewer.get("/dashboard/cec-ouest/").status_code == 200
    assert viewer.get("/dashboard/cec-ouest/credentials").status_code == 200
    assert viewer.get("/dashboard/cec-ouest/badges/new").status_code == 403
    assert viewer.get("/dashboard/cec-ouest/issue").status_code == 403
    assert viewer.get("/dashboard/cec-ouest/audit").status_code == 403
    issuer = login(app.test_client(), "issuer")
    assert issuer.get("/dashboard/cec-ouest/issue").status_code == 200
    assert issuer.get("/dashboard/cec-ouest/audit").status_code == 403
    owner = login(app.test_client(), "owner")
    assert owner.get("/dashboard/cec-ouest/audit").status_code == 200


def test_post_without_csrf_token_is_refused(client, partner):
    login(client, "issuer")
    response = client.post("/dashboard/cec-ouest/badges/new", data=BADGE)
    assert response.status_code == 400


def test_editor_create_preview_publish_and_edit(app, client, partner):
    login(client, "issuer")
    page = client.get("/dashboard/cec-ouest/badges/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="fr">' in html
    assert "Compétence" in html  # achievementType labelled in French
    badge_id = create_badge(client, image=_png())

    # A draft: no public page, not offered for issuing, but a preview.
    assert app.test_client().get(f"/achievements/{badge_id}").status_code == 404
    assert badge_id not in client.get("/dashboard/cec-ouest/issue").get_data(as_text=True)
    preview = client.get(f"/dashboard/cec-ouest/badges/{badge_id}/preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Animer une fresque du climat" in html and "Brouillon" in html
    assert "<strong>une fresque</strong>" in html  # Markdown rendered
    assert "<script>alert" not in html and 'href="javascript:' not in html  # and sanitised
    assert 'href="https://www.francecompetences.fr/recherche/rs/5432/"' in html
    english = client.get(f"/dashboard/cec-ouest/badges/{badge_id}/preview?preview_lang=en").get_data(as_text=True)
    assert "Facilitate a Climate Fresk" in english
    image = client.get(f"/dashboard/cec-ouest/badges/{badge_id}/image")
    assert image.status_code == 200 and image.mimetype == "image/png"

    publish(client, badge_id)
    public = app.test_client().get(f"/achievements/{badge_id}", headers={"Accept": "application/ld+json"})
    assert public.status_code == 200
    document = public.get_json()
    assert document["name"] == "Animer une fresque du climat" and document["inLanguage"] == "fr"
    assert document["achievementType"] == "Competency" and document["tag"] == ["climat", "fresque"]
    assert document["alignment"][0]["targetCode"] == "RS5432"
    assert document["image"]["id"].endswith(f"/achievements/{badge_id}/image")

    # The editor of a published badge says that issued badges keep their copy.
    edit = client.get(f"/dashboard/cec-ouest/badges/{badge_id}/edit")
    html = edit.get_data(as_text=True)
    assert "badges déjà délivrés" in html or "already issued" in html
    assert 'value="Sensibiliser aux enjeux du changement climatique"' in html
    data = {**BADGE, "name": "Animer une fresque du climat (2024)"}
    response = post_form(
        client, f"/dashboard/cec-ouest/badges/{badge_id}/edit", data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert (
        app.test_client().get(f"/achievements/{badge_id}", headers={"Accept": "application/ld+json"}).get_json()["name"]
        == "Animer une fresque du climat (2024)"
    )


def test_editor_bad_input_rerenders_with_messages(client, partner):
    login(client, "issuer")
    url = "/dashboard/cec-ouest/badges/new"
    response = post_form(
        client, url, {**BADGE, "name": "", "valid_for_days": "0", "alignments-0-target_url": "pas une adresse"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html and "Donnez un nom au badge" in html
    for payload, message in [
        (b"this is not an image", "PNG ou SVG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "scripts"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "PNG ou SVG lisible"),
    ]:
        response = post_form(
            client, url, {**BADGE, "image": (io.BytesIO(payload), "badge.png")}, content_type="multipart/form-data"
        )
        assert response.status_code == 400, payload
        assert message in response.get_data(as_text=True), payload
    response = post_form(
        client, url, {**BADGE, "image": (io.BytesIO(b"GIF89a"), "badge.gif")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "PNG ou un fichier SVG" in response.get_data(as_text=True)


def test_issue_one_and_revoke_with_reason(app, client, partner):
    login(client, "issuer")
    badge_id = create_badge(client)
    publish(client, badge_id)
    url = "/dashboard/cec-ouest/issue"
    response = post_form(client, url, {"achievement": badge_id, "email": "", "did": ""})
    assert response.status_code == 400 and "une adresse e-mail ou un DID" in response.get_data(as_text=True)
    response = post_form(
        client,
        url,
        {
            "achievement": badge_id,
            "email": "camille@example.org",
            "name": "Camille Le Goff",
            "evidence_url": "https://example.org/fresque",
            "narrative": "A animé la fresque du 14 octobre.",
            "format": "jwt",
            "notify": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    credential_id = response.headers["Location"].rsplit("/", 1)[-1]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/credentials/{credential_id}" in page and "Camille Le Goff" in page
    assert app.test_client().get(f"/credentials/{credential_id}.jwt").status_code == 200

    listing = client.get("/dashboard/cec-ouest/credentials?email=camille@example.org").get_data(as_text=True)
    assert credential_id in listing
    assert credential_id not in client.get("/dashboard/cec-ouest/credentials?email=other@example.org").get_data(
        as_text=True
    )

    manage = f"/dashboard/cec-ouest/credentials/{credential_id}"
    token = _csrf(client.get(manage).get_data(as_text=True))
    refused = client.post(manage + "/status", data={"csrf_token": token, "action": "revoke", "reason": "  "})
    assert refused.status_code == 400 and "Indiquez un motif" in refused.get_data(as_text=True)
    done = client.post(
        manage + "/status",
        data={"csrf_token": token, "action": "revoke", "reason": "Délivré par erreur\n(mauvaise session)"},
    )
    assert done.status_code == 302
    page = client.get(manage).get_data(as_text=True)
    assert "Révoqué" in page and "Délivré par erreur (mauvaise session)" in page
    again = client.post(manage + "/status", data={"csrf_token": token, "action": "suspend", "reason": "x"})
    assert again.status_code == 400
    # Public pages as a visitor (not signed in) sees them.
    public = app.test_client().get(f"/credentials/{credential_id}").get_data(as_text=True)
    assert "révoqué" in public.lower()
    assert "Délivré par erreur (mauvaise session)" in public
    filtered = client.get("/dashboard/cec-ouest/credentials?status=revoked").get_data(as_text=True)
    assert credential_id in filtered and "Délivré par erreur" in filtered


def test_signed_in_staff_open_public_pages(app, client, partner, create_achievement):
    """Pages render inside a transaction; the signed-in user must be loaded before it opens
    (on SQLite a second transaction would wait for the first: it used to hang, then 500)."""
    login(client, "viewer")
    badge = create_achievement(partner)
    for url in (f"/achievements/{badge.id}", "/issuers/cec-ouest", "/verify"):
        started = time.monotonic()
        assert client.get(url).status_code == 200, url
        assert time.monotonic() - started < 10, url


def test_overview_and_audit_log(app, partner):
    issuer = login(app.test_client(), "issuer")
    badge_id = create_badge(issuer)
    publish(issuer, badge_id)
    post_form(issuer, "/dashboard/cec-ouest/issue", {"achievement": badge_id, "email": "a=1@example.org"})
    overview = issuer.get("/dashboard/cec-ouest/").get_data(as_text=True)
    assert "Animer une fresque du climat" in overview and "Badge délivré" in overview

    owner = login(app.test_client(), "owner")
    page = owner.get("/dashboard/cec-ouest/audit").get_data(as_text=True)
    assert "Badge publié" in page and "issuer@cec-ouest.example.org" in page
    assert owner.get("/dashboard/cec-ouest/audit?page=abc").status_code == 200
    # Issue 15: human labels and names, no raw codes or ids; filters by kind and person.
    assert "achievement.publish" not in page and "credential.issue" not in page
    filtered = owner.get("/dashboard/cec-ouest/audit?kind=credential").get_data(as_text=True)
    assert "Badge délivré" in filtered and "Badge publié" not in filtered
    # The export, for French spreadsheets: UTF-8 with BOM, semicolons, French headers, the
    # page's labels and names, the page's filters.
    exported = owner.get("/dashboard/cec-ouest/audit.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert exported.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == ["Quand", "Qui", "Quoi", "Objet", "Détails"]
    actions = {r["Quoi"] for r in rows}
    assert {"Badge créé", "Badge publié", "Badge délivré"} <= actions, actions
    assert all(r["Qui"] and "None" not in r.values() for r in rows)
    assert not any(re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", value) for r in rows for value in r.values())
    only = owner.get("/dashboard/cec-ouest/audit.csv?kind=achievement").data.decode("utf-8-sig")
    assert {r["Quoi"] for r in csv.DictReader(io.StringIO(only), delimiter=";")} <= {
        "Badge créé",
        "Badge publié",
        "Badge modifié",
    }


BAD_CSV = (
    "email,name,evidence_url,narrative\n"
    "camille@example.org,Camille Le Goff,https://example.org/fresque,A animé une fresque\n"
    "pas-une-adresse,Yann Le Bihan,,\n"
    "CAMILLE@example.org,Camille bis,,\n"
    "nolwenn@example.org,Nolwenn Guégan,ftp://example.org/x,\n"
    "erwan@example.org,Erwan Kerlann,,\n"
    "already@example.org,Déjà Titulaire,,\n"
)
FIXED_CSV = (
    "email;nom\n"
    "camille@example.org;Camille Le Goff\n"
    "yann@example.org;Yann Le Bihan\n"
    "nolwenn@example.org;Nolwenn Guégan\n"
    "erwan@example.org;Erwan Kerlann\n"
    "already@example.org;Déjà Titulaire\n"
)


def _upload(client, badge_id, text, name="session1.csv"):
    return post_form(
        client,
        "/dashboard/cec-ouest/bulk",
        {"achievement": badge_id, "file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def test_bulk_dry_run_fix_confirm_progress_and_result(app, badger, client, partner):
    login(client, "issuer")
    badge_id = create_badge(client)
    publish(client, badge_id)
    post_form(client, "/dashboard/cec-ouest/issue", {"achievement": badge_id, "email": "already@example.org"})

    # Dry run of a file with problems: every problem is listed with its line; nothing is issued.
    response = _upload(client, badge_id, BAD_CSV)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert "Adresse e-mail invalide" in html  # line 3
    assert "Même adresse e-mail qu&#39;à la ligne 2" in html or "Même adresse e-mail qu'à la ligne 2" in html
    assert "https://" in html  # the evidence URL problem
    assert "A déjà ce badge" in html
    counts = re.search(r'id="dry-run-counts">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<strong>(\d+)</strong>", counts) == ["6", "2", "2", "2"]
    with badger.transaction() as session:
        assert len(issuing.list_credentials(badger, session, issuer=issuers.get_issuer(session, "cec-ouest"))) == 1
    uploads = list(
        (
            badger.settings.instance_path and __import__("pathlib").Path(badger.settings.instance_path) / "bulk-uploads"
        ).glob("*.csv")
    )
    assert len(uploads) == 1

    # The fixed file (French header, semicolons), then confirm.
    html = _upload(client, badge_id, FIXED_CSV, "session1-corrige.csv").get_data(as_text=True)
    counts = re.search(r'id="dry-run-counts">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<strong>(\d+)</strong>", counts) == ["5", "4", "1", "0"]
    token = re.search(r'name="upload" type="hidden" value="([^"]+)"', html).group(1)
    # Someone else's upload token is refused.
    other = login(app.test_client(), "owner")
    refused = other.post(
        "/dashboard/cec-ouest/bulk/confirm",
        data={
            "csrf_token": _csrf(other.get("/dashboard/cec-ouest/bulk").get_data(as_text=True)),
            "upload": token,
            "achievement": badge_id,
        },
    )
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/bulk")
    response = client.post(
        "/dashboard/cec-ouest/bulk/confirm",
        data={"csrf_token": _csrf(html), "upload": token, "achievement": badge_id, "filename": "session1-corrige.csv"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_url = response.headers["Location"]
    assert "/jobs/" in job_url
    job_page = client.get(job_url).get_data(as_text=True)
    assert "<progress" in job_page and "session1-corrige.csv" in job_page
    assert len(list((__import__("pathlib").Path(badger.settings.instance_path) / "bulk-uploads").glob("*.csv"))) == 1

    deadline = time.monotonic() + 60
    while True:
        progress = client.get(job_url + "/progress").get_json()
        if progress["state"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert progress["state"] == "done" and progress["issued"] == 4 and progress["skipped"] == 1
    assert "Télécharger le résultat" in client.get(job_url).get_data(as_text=True)
    result = client.get(job_url + "/result.csv")
    assert result.status_code == 200 and result.mimetype == "text/csv"
    # Issue 15, must show 4: for French spreadsheets (BOM, semicolons), in the reader's language.
    assert result.data.startswith(b"\xef\xbb\xbf")
    rows = _spreadsheet_rows(result)
    assert list(rows[0]) == ["Ligne", "E-mail", "Nom", "Résultat", "Adresse du badge", "Problème"]
    assert [r["Résultat"] for r in rows] == ["Badge délivré"] * 4 + ["Ligne ignorée"]
    assert all(r["Adresse du badge"].startswith("http://127.0.0.1:5000/credentials/") for r in rows[:4])
    assert "None" not in {v for r in rows for v in r.values()} and rows[4]["Problème"]
    english = _spreadsheet_rows(client.get(job_url + "/result.csv?lang=en"))
    assert list(english[0]) == ["Line", "E-mail", "Name", "Result", "Address of the badge", "Problem"]
    assert [r["Result"] for r in english] == ["Badge issued"] * 4 + ["Line skipped"]
    # Every list exports the same way, with its own columns; a template to fill in is offered.
    for path, columns in (
        (
            "/dashboard/cec-ouest/credentials.csv",
            ["Délivré le", "Badge", "Titulaire", "Statut", "Motif", "Adresse du badge"],
        ),
        (
            "/dashboard/cec-ouest/badges.csv",
            ["Nom", "Type de badge", "Publié", "Dernière modification", "Page publique"],
        ),
        ("/dashboard/cec-ouest/bulk/template.csv", ["email", "name", "evidence_url", "narrative"]),
    ):
        listed = _spreadsheet_rows(client.get(path))
        assert listed and list(listed[0]) == columns, (path, listed[:1])
    assert len(_spreadsheet_rows(client.get("/dashboard/cec-ouest/credentials.csv"))) >= 4

    # Confirming the same upload twice is refused (the file is gone); bad job ids are 404.
    again = client.post(
        "/dashboard/cec-ouest/bulk/confirm", data={"csrf_token": _csrf(html), "upload": token, "achievement": badge_id}
    )
    assert again.status_code == 302 and again.headers["Location"].endswith("/bulk")
    assert client.get("/dashboard/cec-ouest/jobs/not-a-job").status_code == 404
    assert client.get("/dashboard/cec-ouest/jobs/00000000-0000-4000-8000-000000000000/progress").status_code == 404


def _spreadsheet_rows(response) -> list[dict]:
    """A CSV read as a French spreadsheet reads it: UTF-8 with BOM, semicolons."""
    assert response.status_code == 200 and response.mimetype == "text/csv", response.data[:200]
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_bulk_unreadable_file_rerenders(client, partner):
    login(client, "issuer")
    badge_id = create_badge(client)
    publish(client, badge_id)
    response = _upload(client, badge_id, "")
    assert response.status_code == 400
    response = post_form(
        client,
        "/dashboard/cec-ouest/bulk",
        {"achievement": badge_id, "file": (io.BytesIO(b"a,b\n"), "photo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "fichier CSV" in response.get_data(as_text=True)


def test_dashboard_pages_are_valid_html5_and_french(app, badger, client, partner, tmp_path):
    """Every dashboard page, in every state the tests above reach, through the W3C Nu checker
    (tests/web/pages/test_html5.py) and the untranslated-text check (tests/web/pages/test_i18n.py)."""
    html5 = pytest.importorskip("tests.web.pages.test_html5")
    i18n = pytest.importorskip("tests.web.pages.test_i18n")
    login(client, "owner")
    draft_id = create_badge(client, image=_png())
    badge_id = create_badge(client, name="Session 1 — Montée à bord (CEC Ouest 2023, Rennes)")
    publish(client, badge_id)
    issued = post_form(
        client,
        "/dashboard/cec-ouest/issue",
        {"achievement": badge_id, "email": "camille@example.org", "name": "Camille Le Goff"},
    )
    credential_url = issued.headers["Location"]
    dry_run = _upload(client, badge_id, BAD_CSV)
    token = re.search(r'name="upload" type="hidden" value="([^"]+)"', dry_run.get_data(as_text=True)).group(1)
    job_url = client.post(
        "/dashboard/cec-ouest/bulk/confirm",
        data={"csrf_token": _csrf(dry_run.get_data(as_text=True)), "upload": token, "achievement": badge_id},
    ).headers["Location"]

    pages = {}
    for lang in ("fr", "en"):

        def get(name, path, status=200):
            response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
            assert response.status_code == status, (name, path, response.status_code)
            pages[f"{name}.{lang}"] = response.get_data(as_text=True)

        def post(name, path, data, status=400, **kw):
            page = client.get(path + f"?lang={lang}")
            response = client.post(
                path + f"?lang={lang}", data={**data, "csrf_token": _csrf(page.get_data(as_text=True))}, **kw
            )
            assert response.status_code == status, (name, response.status_code)
            pages[f"{name}.{lang}"] = response.get_data(as_text=True)

        get("overview", "/dashboard/cec-ouest/")
        get("badges", "/dashboard/cec-ouest/badges")
        get("badge-new", "/dashboard/cec-ouest/badges/new")
        post(
            "badge-new-errors",
            "/dashboard/cec-ouest/badges/new",
            {
                **BADGE,
                "name": "",
                "alignments-0-target_url": "x",
                "valid_for_days": "-3",
                "image": (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>"), "x.svg"),
            },
            content_type="multipart/form-data",
        )
        get("badge-edit", f"/dashboard/cec-ouest/badges/{draft_id}/edit")
        get("badge-edit-published", f"/dashboard/cec-ouest/badges/{badge_id}/edit")
        get("preview-draft", f"/dashboard/cec-ouest/badges/{draft_id}/preview")
        get("preview-draft-en", f"/dashboard/cec-ouest/badges/{draft_id}/preview?preview_lang=en")
        get("preview-published", f"/dashboard/cec-ouest/badges/{badge_id}/preview")
        get("issue", f"/dashboard/cec-ouest/issue?achievement={badge_id}")
        post(
            "issue-errors",
            "/dashboard/cec-ouest/issue",
            {"achievement": badge_id, "email": "pas une adresse", "evidence_url": "ftp://x"},
        )
        get("bulk", "/dashboard/cec-ouest/bulk")
        post(
            "bulk-errors",
            "/dashboard/cec-ouest/bulk",
            {"achievement": "", "file": (io.BytesIO(b""), "")},
            content_type="multipart/form-data",
        )
        post(
            "bulk-dry-run",
            "/dashboard/cec-ouest/bulk",
            {"achievement": badge_id, "file": (io.BytesIO(BAD_CSV.encode()), "session.csv")},
            status=200,
            content_type="multipart/form-data",
        )
        get("job", job_url)
        get("credentials", "/dashboard/cec-ouest/credentials?status=active&achievement=" + badge_id)
        get("credentials-empty", "/dashboard/cec-ouest/credentials?email=nobody@example.org")
        get("credential", credential_url)
        page = client.get(credential_url + f"?lang={lang}")
        response = client.post(
            credential_url + f"/status?lang={lang}",
            data={"csrf_token": _csrf(page.get_data(as_text=True)), "action": "suspend", "reason": ""},
        )
        assert response.status_code == 400
        pages[f"credential-errors.{lang}"] = response.get_data(as_text=True)
        get("audit", "/dashboard/cec-ouest/audit")

    files = []
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)
    errors = html5.validate(files)
    report = "\n".join(
        f"{name}:{m.get('lastLine', '?')}: {m.get('message')} [{m.get('extract', '').strip()[:120]}]"
        for name, messages in sorted(errors.items())
        for m in messages
    )
    assert errors == {}, report

    # The dashboard's own messages of two words or more (single words also occur in data).
    from babel.messages.pofile import read_po

    with open(Path(__file__).resolve().parents[3] / "badger/translations/fr/LC_MESSAGES/dashboard.po", "rb") as po:
        english = [
            m.id
            for m in read_po(po)
            if isinstance(m.id, str) and m.id and m.string != m.id and len(m.id.split()) >= 2 and "%(" not in m.id
        ]
    assert len(english) > 100
    leaks = {}
    for name, html in pages.items():
        if name.endswith(".fr"):
            assert '<html lang="fr">' in html, name
            text = " ".join(i18n.visible_text(html, "fr").split())
            found = [message for message in english if message in text]
            if found:
                leaks[name] = found
    assert leaks == {}, leaks
    assert (
        "Check before issuing" in pages["bulk-dry-run.en"] and "Vérifier avant de délivrer" in pages["bulk-dry-run.fr"]
    )


def test_linkedin_organisation_id_goes_into_add_to_profile(app, badger, partner):
    """Issue 15: a partner's LinkedIn organisation id (set by an owner on the keys page) makes
    "Add to profile" name the organisation by id (LinkedIn then shows its logo)."""
    from urllib.parse import parse_qs, urlsplit

    owner = login(app.test_client(), "owner")
    page = owner.get("/dashboard/cec-ouest/keys").get_data(as_text=True)
    refused = owner.post("/dashboard/cec-ouest/profile", data={"csrf_token": _csrf(page), "linkedin": "acme"})
    assert refused.status_code == 302
    saved = owner.post("/dashboard/cec-ouest/profile", data={"csrf_token": _csrf(page), "linkedin": "12345678"})
    assert saved.status_code == 302
    issuer = login(app.test_client(), "issuer")
    badge_id = create_badge(issuer)
    publish(issuer, badge_id)
    post_form(issuer, "/dashboard/cec-ouest/issue", {"achievement": badge_id, "email": "lina@example.org"})
    from badger.issuance import issuing
    from badger.issuers import service as issuers_service

    with badger.transaction() as session:
        row = issuing.list_credentials(badger, session, issuer=issuers_service.get_issuer(session, "cec-ouest"))[0]
    html = app.test_client().get(f"/credentials/{row.id}").get_data(as_text=True)
    href = re.search(r'id="linkedin" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    params = parse_qs(urlsplit(href).query)
    assert params["organizationId"] == ["12345678"] and "organizationName" not in params
    audit_page = owner.get("/dashboard/cec-ouest/audit").get_data(as_text=True)
    assert "Identifiant LinkedIn modifié" in audit_page
