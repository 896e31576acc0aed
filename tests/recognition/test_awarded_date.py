"""OB 3.0 awardedDate (issue 14, must show 4): set from the dashboard, the CLI, the API and the
bulk CSV, it is in the signed credential, on the page ("Issued on") and in LinkedIn's issue
date; validFrom stays the signing time. A bad date is refused on each path."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from badger.cli import cli
from badger.core import queue
from badger.issuance import issuing
from tests.web.dashboard.test_dashboard import login, partner, post_form  # noqa: F401 - fixture


def _page_and_linkedin(client, credential_id: str) -> tuple[str, dict]:
    html = client.get(f"/credentials/{credential_id}?lang=en").get_data(as_text=True)
    link = re.search(r'id="linkedin" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    return html, parse_qs(urlsplit(link).query)


def _signed(badger, credential_id: str) -> dict:
    with badger.transaction() as session:
        return json.loads(issuing.get_credential(session, credential_id).document)


def test_awarded_date_on_every_issuing_path(badger, app, client, partner, create_achievement):  # noqa: F811
    badge = create_achievement(partner)
    token = partner_token(badger)
    issued = {}

    # API
    response = client.post(
        "/api/v1/credentials",
        json={
            "achievement": badge.id,
            "recipient": {"email": "api@example.org", "name": "Api"},
            "awardedDate": "2023-03-10",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_json()
    issued["api"] = (response.get_json()["id"], "2023-03-10")
    bad = client.post(
        "/api/v1/credentials",
        json={"achievement": badge.id, "recipient": {"email": "x@example.org"}, "awardedDate": "10/03/2023"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bad.status_code == 400 and bad.get_json()["code"] == "input.invalid_awarded_date"

    # CLI
    result = CliRunner().invoke(
        cli,
        ["issue", "--achievement", badge.id, "--email", "cli@example.org", "--awarded-date", "2023-05-04"],
        obj=badger,
    )
    assert result.exit_code == 0, result.stderr
    issued["cli"] = (json.loads(result.stdout)["id"].rsplit("/", 1)[1], "2023-05-04")
    refused = CliRunner().invoke(
        cli, ["issue", "--achievement", badge.id, "--email", "c@example.org", "--awarded-date", "hier"], obj=badger
    )
    assert refused.exit_code == 2

    # Bulk CSV (the API's bulk upload), a column per row
    csv_body = "email,name,awarded_date\nbulk@example.org,Bulk,2023-06-29\nbad@example.org,Bad,29/06/2023\n"
    response = client.post(
        f"/api/v1/credentials/bulk?achievement={badge.id}",
        data=csv_body.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    assert response.status_code == 202, response.get_json()
    queue.wait_idle(badger, 60)
    job = client.get(response.headers["Location"], headers={"Authorization": f"Bearer {token}"}).get_json()
    rows = {r["email"]: r for r in job["rows"]}
    assert rows["bad@example.org"]["outcome"] == "failed" and rows["bulk@example.org"]["outcome"] == "issued"
    issued["bulk"] = (rows["bulk@example.org"]["credentialUrl"].rsplit("/", 1)[1], "2023-06-29")

    # Dashboard form
    login(client, "issuer")
    response = post_form(
        client,
        "/dashboard/cec-ouest/issue",
        {
            "achievement": badge.id,
            "email": "dash@example.org",
            "name": "Dash",
            "format": "ldp",
            "awarded_date": "2023-09-14",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    issued["dashboard"] = (response.headers["Location"].rsplit("/", 1)[1], "2023-09-14")

    for path, (credential_id, day) in issued.items():
        document = _signed(badger, credential_id)
        assert document["awardedDate"] == f"{day}T12:00:00Z", path
        assert document["validFrom"] != document["awardedDate"] and document["validFrom"] > "2025", path
        html, linkedin = _page_and_linkedin(client, credential_id)
        year, month, dd = (int(x) for x in day.split("-"))
        assert f'datetime="{day}T12:00:00+00:00"' in html, path
        assert linkedin["issueYear"] == [str(year)] and linkedin["issueMonth"] == [str(month)], path


def partner_token(badger) -> str:
    from badger.accounts import tokens
    from badger.issuers import service as issuers

    with badger.transaction() as session:
        return tokens.create_token(badger, session, issuers.get_issuer(session, "cec-ouest"), "awarded")


@pytest.mark.parametrize("database", ["sqlite"])
def test_demo_session_badges_carry_the_2023_session_dates(badger):
    from badger import demo
    from badger.issuance.models import Credential

    with badger.transaction() as session:
        demo.load_demo(badger, session)
        ends = {m.badge: (m.ends_on or m.starts_on).isoformat() for m in demo.DEMO_MILESTONES if m.starts_on}
        by_name = {b.name: b.key for b in demo.DEMO_BADGES}
        seen = 0
        for row in session.query(Credential):
            document = json.loads(row.document)
            key = by_name.get(document["credentialSubject"]["achievement"]["name"])
            if key in ends and key.startswith("S"):
                assert document["awardedDate"] == f"{ends[key]}T12:00:00Z", key
                seen += 1
        assert seen >= 6
