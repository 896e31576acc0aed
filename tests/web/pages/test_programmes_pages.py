"""The programmes area's pages for the shared HTML5 and i18n checks (tests/web/pages/test_html5.py,
tests/web/pages/test_i18n.py): the dashboard pages of programmes, milestones, pathways and
endorsements (signed in), a refused roster import, and a learner's private page — registered at
import."""

from __future__ import annotations

from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.programmes import learners, pathways
from badger.programmes import service as programmes
from tests.web.pages.pages import Page, register
from tests.web.pages.test_accounts_pages import OWNER, _csrf, signed_in

ROSTER = "organisation,name,role,email\nBiscuiterie des Abers,Gaëlle Morvan,dirigeant·e,gaelle@abers.example\n"


def _programme(client, site):
    """Signed in as the partner's owner, with a programme, a milestone ticked and confirmed for
    one participant, a pathway, and a learner link (ids in site.extra)."""
    signed_in(OWNER, role="owner")(client, site)
    if "programme_id" in site.extra:
        site.extra["csrf"] = _csrf(client.get(f"/dashboard/{site.issuer_slug}/programmes/").get_data(as_text=True))
        return
    badger = site.badger
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, site.issuer_slug)
        programme = programmes.create_programme(badger, session, issuer, name="CEC Ouest 2023")
        programmes.import_roster(badger, session, issuer, programme, ROSTER.encode())
        milestone = programmes.add_milestone(
            badger,
            session,
            issuer,
            programme,
            name="Session 1 — Montée à bord",
            kind="session",
            achievement_id=site.achievement_id,
            place="Rennes",
            starts_on="2023-01-20",
            ends_on="2023-01-21",
        )
        programmes.mark_attendance(
            badger, session, issuer, programme, milestone, {p.id for p in programmes.participants(session, programme)}
        )
        programmes.confirm_milestone(badger, session, issuer, programme, milestone)
        pathways.create_pathway(
            badger,
            session,
            issuer,
            achievement_id=site.plain_achievement_id,
            requirement_ids=[
                site.achievement_id,
                site.extra.get("third_badge") or _third_badge(badger, session, issuer, site),
            ],
        )
        issuing.issue(
            badger,
            session,
            issuer,
            issuing.IssueRequest(achievement=site.achievement_id, email="gaelle@abers.example", name="Gaëlle Morvan"),
        )
        url = learners.link_url(badger, session, email="gaelle@abers.example")
        site.extra.update(
            programme_id=programme.id, milestone_id=milestone.id, learner_path=url[len(badger.base_url) :]
        )
    site.extra["csrf"] = _csrf(client.get(f"/dashboard/{site.issuer_slug}/programmes/").get_data(as_text=True))


def _third_badge(badger, session, issuer, site) -> str:
    from badger.achievements import service as achievements

    row = achievements.create_achievement(
        badger,
        session,
        issuer,
        name="Feuille de route remise",
        description="Jalon final.",
        criteria="Feuille de route remise.",
    )
    site.extra["third_badge"] = row.id
    return row.id


BASE = "/dashboard/{issuer_slug}/programmes"

for _page in (
    Page("programmes-index", BASE + "/", setup=_programme),
    Page("programmes-programme", BASE + "/{extra[programme_id]}", setup=_programme),
    Page("programmes-milestone", BASE + "/{extra[programme_id]}/milestones/{extra[milestone_id]}", setup=_programme),
    Page("programmes-pathways", BASE + "/pathways", setup=_programme),
    Page("programmes-endorsements", BASE + "/endorsements", setup=_programme),
    Page(
        "programmes-roster-refused",
        BASE + "/{extra[programme_id]}/roster",
        "POST",
        lambda site: {
            "csrf_token": site.extra["csrf"],
            "file": (__import__("io").BytesIO(b"name,email\nX,nope\n"), "roster.csv"),
        },
        status=400,
        setup=_programme,
    ),
    Page("programmes-learner-link", BASE + "/{extra[programme_id]}", setup=_programme),
    Page("learner-page", "{extra[learner_path]}", setup=_programme),
):
    register(_page)


def test_programmes_pages_are_registered():
    from tests.web.pages.pages import PAGES

    names = {p.name for p in PAGES}
    assert {"programmes-index", "programmes-milestone", "learner-page"} <= names
