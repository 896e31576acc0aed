"""Issue 6, must show 1: pathways that award themselves.

A roster is imported, the six sessions and the roadmap are confirmed for some participants
(through the bulk machinery), and exactly those participants hold the pathway credential
"Parcours CEC Ouest 2023 complet" — one each, also when the last milestones are confirmed twice
or concurrently (threads; on SQLite and PostgreSQL) — and the others do not. The revocation
rule (badger/services/pathways.py docstring) is tested at the end.
"""

from __future__ import annotations

import json
import threading

import pytest

from badger.bulk import runner as jobs
from badger.core import audit
from badger.errors import InvalidInput
from badger.issuance import issuing, revocation
from badger.issuance.models import Credential
from badger.issuers import service as issuers
from badger.programmes import pathways
from badger.programmes import service as programmes

SESSIONS = [
    ("S1", "Rennes"),
    ("S2", "Nantes"),
    ("S3", "Saint-Malo"),
    ("S4", "Brest"),
    ("S5", "Angers"),
    ("S6", "Nantes"),
]
ROSTER = """organisation;name;role;email
Biscuiterie des Abers;Gaëlle Morvan;dirigeant·e;gaelle@abers.example
Biscuiterie des Abers;Tristan Le Hir;Planet Champion;tristan@abers.example
Transports Kerjean;Sophie Kerjean;dirigeant·e;sophie@kerjean.example
Transports Kerjean;Mathieu Riou;Planet Champion;mathieu@kerjean.example
Coopérative Ar Vro;Katell Jaouen;dirigeant·e;katell@arvro.example
Coopérative Ar Vro;Loïc Bodénès;Planet Champion;loic@arvro.example
"""
COMPLETE = ["gaelle@abers.example", "tristan@abers.example", "sophie@kerjean.example"]
NO_ROADMAP = "mathieu@kerjean.example"  # six sessions, no roadmap
MISSED_ONE = "katell@arvro.example"  # five sessions and the roadmap
NOTHING = "loic@arvro.example"


@pytest.fixture
def network(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer(name="CEC Ouest 2023", slug="cec-ouest-2023")
    badges = {
        key: create_achievement(issuer, name=f"Session {key[1]} (CEC Ouest 2023, {city})").id for key, city in SESSIONS
    }
    badges["FdR"] = create_achievement(issuer, name="Feuille de route remise").id
    badges["PCO"] = create_achievement(issuer, name="Parcours CEC Ouest 2023 complet").id
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "cec-ouest-2023")
        pathway = pathways.create_pathway(
            badger,
            session,
            row,
            achievement_id=badges["PCO"],
            requirement_ids=[badges[k] for k, _ in SESSIONS] + [badges["FdR"]],
        )
        programme = programmes.create_programme(badger, session, row, name="CEC Ouest 2023")
        report = programmes.import_roster(badger, session, row, programme, ROSTER.encode())
        assert report.ok and report.created == 6
        milestones = {
            key: programmes.add_milestone(
                badger,
                session,
                row,
                programme,
                name=f"Session {key[1]}",
                kind="session",
                achievement_id=badges[key],
                place=city,
            ).id
            for key, city in SESSIONS
        }
        milestones["FdR"] = programmes.add_milestone(
            badger,
            session,
            row,
            programme,
            name="Feuille de route remise",
            kind="roadmap",
            achievement_id=badges["FdR"],
        ).id
        return {"pathway": pathway.id, "programme": programme.id, "milestones": milestones, "badges": badges}


def _confirm(badger, network, key: str, emails) -> str:
    """Tick ``emails`` present at milestone ``key``, confirm it, and run its bulk job to the end."""
    with badger.transaction() as session:
        issuer = issuers.get_issuer(session, "cec-ouest-2023")
        programme = programmes.get_programme(session, issuer, network["programme"])
        milestone = programmes.get_milestone(session, programme, network["milestones"][key])
        people = {p.email: p.id for p in programmes.participants(session, programme)}
        current = {p.id for p in programmes.attendees(session, milestone)}
        programmes.mark_attendance(
            badger,
            session,
            issuer,
            programme,
            milestone,
            current | {people[e] for e in emails},
            actor=audit.Actor("user:coordinator"),
        )
        job = programmes.confirm_milestone(
            badger, session, issuer, programme, milestone, actor=audit.Actor("user:coordinator")
        )
        job_id = job.id
    # The job was also handed to the in-process runner threads: several runners may share a job.
    assert jobs.run(badger, job_id) in ("done", "running")
    _wait_done(badger, job_id)
    return job_id


def _wait_done(badger, job_id):
    import time

    from badger.bulk import service as bulk

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with badger.transaction() as session:
            issuer = issuers.get_issuer(session, "cec-ouest-2023")
            if bulk.job_progress(bulk.get_job(session, issuer, job_id))["state"] == "done":
                return
        time.sleep(0.05)
    raise AssertionError("the bulk job did not finish")


def _holders(badger, network, key: str) -> dict[str, list[Credential]]:
    with badger.transaction() as session:
        out = {}
        for email in COMPLETE + [NO_ROADMAP, MISSED_ONE, NOTHING]:
            out[email] = issuing.list_credentials(badger, session, email=email, achievement=network["badges"][key])
        return out


def _sessions(badger, network, keys=("S1", "S2", "S3", "S4", "S5")):
    for key in keys:
        emails = COMPLETE + [NO_ROADMAP] + ([MISSED_ONE] if key != "S5" else [])
        _confirm(badger, network, key, emails)


def test_exactly_the_participants_who_complete_it_hold_the_pathway_once(badger, network):
    _sessions(badger, network)
    assert all(not creds for creds in _holders(badger, network, "PCO").values())
    _confirm(badger, network, "S6", COMPLETE + [NO_ROADMAP, MISSED_ONE])
    assert all(not creds for creds in _holders(badger, network, "PCO").values())
    _confirm(badger, network, "FdR", COMPLETE + [MISSED_ONE])
    _confirm(badger, network, "FdR", COMPLETE + [MISSED_ONE])  # confirmed twice: nothing issued twice
    _confirm(badger, network, "S6", COMPLETE)

    holders = _holders(badger, network, "PCO")
    assert {e: len(c) for e, c in holders.items()} == {
        **{e: 1 for e in COMPLETE},
        NO_ROADMAP: 0,
        MISSED_ONE: 0,
        NOTHING: 0,
    }
    assert all(len(c) == 1 for c in _holders(badger, network, "FdR").values() if c)

    # The pathway credential: signed, verifies, the components as OB 3.0 Evidence.
    credential = holders[COMPLETE[0]][0]
    document = json.loads(credential.document)
    assert document["credentialSubject"]["achievement"]["name"] == "Parcours CEC Ouest 2023 complet"
    evidence = document["evidence"]
    assert len(evidence) == 7 and all(e["type"] == ["Evidence"] for e in evidence)
    with badger.transaction() as session:
        components = issuing.list_credentials(badger, session, email=COMPLETE[0], limit=100)
        urls = {badger.url("credentials", c.id) for c in components if c.id != credential.id}
        assert {e["id"] for e in evidence} == urls
        assert {e["name"] for e in evidence} >= {"Feuille de route remise", "Session 1 (CEC Ouest 2023, Rennes)"}
        from badger.verifying import service as verifying

        assert verifying.verify_credential(badger, session, credential.document).verified
        # Progress of the others says what is missing.
        pathway = pathways.get_pathway(session, network["pathway"])
        missed = pathways.progress(session, issuing.recipient_lookup(badger, MISSED_ONE), pathway)
        assert (missed["held_count"], missed["required"], missed["complete"]) == (6, 7, False)
        assert [m["name"] for m in missed["missing"]] == ["Session 5 (CEC Ouest 2023, Angers)"]
        done = pathways.progress(session, issuing.recipient_lookup(badger, COMPLETE[0]), pathway)
        assert done["complete"] and done["credential"] == credential.id
        assert len(pathways.awards(session, pathway)) == 3
        events = [e for e in audit.events(session, credential.issuer_id, action="pathway.award", limit=None)]
        assert len(events) == 3


def test_concurrent_confirmations_award_once_each(badger, network):
    _sessions(badger, network)
    # The last two milestones, each confirmed twice, all at the same moment: four threads.
    barrier = threading.Barrier(4)
    errors = []

    def confirm(key, emails):
        try:
            barrier.wait(timeout=30)
            _confirm(badger, network, key, emails)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=confirm, args=(key, emails))
        for key, emails in [("S6", COMPLETE + [NO_ROADMAP]), ("FdR", COMPLETE + [MISSED_ONE])] * 2
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    holders = _holders(badger, network, "PCO")
    assert {e: len(c) for e, c in holders.items()} == {
        **{e: 1 for e in COMPLETE},
        NO_ROADMAP: 0,
        MISSED_ONE: 0,
        NOTHING: 0,
    }
    for key in ("S6", "FdR"):
        assert all(len(c) <= 1 for c in _holders(badger, network, key).values())


def test_concurrent_last_components_issued_directly(badger, create_issuer, create_achievement):
    """The write-skew case without the bulk service: the last two components of one learner
    issued by two transactions at once; the pathway is still awarded, once."""
    issuer, _ = create_issuer(name="Crois/Sens", slug="crois-sens")
    modules = [create_achievement(issuer, name=f"Module {n}").id for n in range(1, 4)]
    target = create_achievement(issuer, name="Entrepreneur·e du bien-vivre").id
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "crois-sens")
        pathways.create_pathway(badger, session, row, achievement_id=target, requirement_ids=modules)
        issuing.issue(badger, session, row, issuing.IssueRequest(achievement=modules[0], email="ana@example.org"))
    for attempt in range(3):
        email = f"learner{attempt}@example.org"
        with badger.transaction() as session:
            issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, "crois-sens"),
                issuing.IssueRequest(achievement=modules[0], email=email),
            )
        barrier = threading.Barrier(2)
        errors = []

        def issue(achievement_id):
            try:
                barrier.wait(timeout=30)
                with badger.transaction() as session:
                    issuing.issue(
                        badger,
                        session,
                        issuers.get_issuer(session, "crois-sens"),
                        issuing.IssueRequest(achievement=achievement_id, email=email),
                    )
            except Exception as exc:  # noqa: BLE001 - collected and asserted empty by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=issue, args=(m,)) for m in modules[1:]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors, errors
        with badger.transaction() as session:
            assert len(issuing.list_credentials(badger, session, email=email, achievement=target)) == 1


def test_n_of_rule_and_refusals(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer(name="Crois/Sens", slug="crois-sens")
    modules = [create_achievement(issuer, name=f"Module {n}").id for n in range(1, 5)]
    target = create_achievement(issuer, name="Trois modules sur quatre").id
    other, _ = create_issuer(name="Labo de l'ESS", slug="labo-ess")
    foreign = create_achievement(other, name="Chantier coopératif").id
    with badger.transaction() as session:
        row = issuers.get_issuer(session, "crois-sens")
        for bad in (dict(rule="n_of", required_count=5), dict(rule="n_of", required_count=0), dict(rule="some")):
            with pytest.raises(InvalidInput):
                pathways.create_pathway(badger, session, row, achievement_id=target, requirement_ids=modules, **bad)
        with pytest.raises(InvalidInput):
            pathways.create_pathway(badger, session, row, achievement_id=target, requirement_ids=[target, modules[0]])
        from badger.errors import NotFound

        with pytest.raises(NotFound):
            pathways.create_pathway(badger, session, row, achievement_id=target, requirement_ids=[foreign, modules[0]])
        pathway = pathways.create_pathway(
            badger, session, row, achievement_id=target, requirement_ids=modules, rule="n_of", required_count=3
        )
        # A cycle (a pathway among its own requirements, through another pathway) is refused.
        with pytest.raises(InvalidInput):
            pathways.create_pathway(
                badger, session, row, achievement_id=modules[0], requirement_ids=[target, modules[1]]
            )
        pathway_id = pathway.id
    for module in modules[:3]:
        with badger.transaction() as session:
            issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, "crois-sens"),
                issuing.IssueRequest(achievement=module, email="ana@example.org", name="Ana"),
            )
    with badger.transaction() as session:
        [credential] = issuing.list_credentials(badger, session, email="ana@example.org", achievement=target)
        assert len(json.loads(credential.document)["evidence"]) == 3
        progress = pathways.progress(
            session, issuing.recipient_lookup(badger, "ana@example.org"), pathways.get_pathway(session, pathway_id)
        )
        assert progress["complete"] and progress["required"] == 3 and progress["total"] == 4
        # The learner's name is carried over from the component.
        assert pathways.recipient_name(credential) == "Ana"
    with badger.transaction() as session:  # a fourth module issues nothing more
        issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, "crois-sens"),
            issuing.IssueRequest(achievement=modules[3], email="ana@example.org"),
        )
        assert len(issuing.list_credentials(badger, session, email="ana@example.org", achievement=target)) == 1


def test_revocation_rule(badger, network, client):
    """A revoked or suspended component suspends the pathway credential, with the reason shown on
    its page; unsuspending the component lifts it, unless another component is still inactive;
    a suspension made by a person is never lifted automatically."""
    for key, _city in SESSIONS:
        _confirm(badger, network, key, COMPLETE[:2])
    _confirm(badger, network, "FdR", COMPLETE[:2])
    staff = audit.Actor("user:coordinator", "coordination@cec-ouest.example")

    def credential(email, key):
        with badger.transaction() as session:
            [row] = issuing.list_credentials(badger, session, email=email, achievement=network["badges"][key])
            return row

    def change(row, action, **kw):
        with badger.transaction() as session:
            getattr(revocation, action)(badger, session, session.get(Credential, row.id), actor=staff, **kw)

    first = COMPLETE[0]
    pathway_credential = credential(first, "PCO")
    change(credential(first, "S3"), "suspend", reason="présence à vérifier")
    row = credential(first, "PCO")
    assert (row.status, row.status_reason) == (
        "suspended",
        "component suspended: Session 3 (CEC Ouest 2023, Saint-Malo)",
    )
    change(credential(first, "FdR"), "revoke", reason="feuille de route retirée")
    change(credential(first, "S3"), "unsuspend")
    row = credential(first, "PCO")  # still suspended: the roadmap is revoked
    assert row.status == "suspended"
    page = client.get(f"/credentials/{pathway_credential.id}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "component" in page.get_data(as_text=True)

    second = COMPLETE[1]
    change(credential(second, "S1"), "suspend", reason="à vérifier")
    assert credential(second, "PCO").status == "suspended"
    change(credential(second, "S1"), "unsuspend")
    assert credential(second, "PCO").status == "active"
    # A person suspends the pathway credential by hand; a component going back and forth does not lift it.
    change(credential(second, "PCO"), "suspend", reason="décision du comité")
    change(credential(second, "S2"), "suspend", reason="à vérifier")
    change(credential(second, "S2"), "unsuspend")
    row = credential(second, "PCO")
    assert (row.status, row.status_reason) == ("suspended", "décision du comité")
    # Nobody is awarded the pathway twice.
    with badger.transaction() as session:
        assert len(pathways.awards(session, pathways.get_pathway(session, network["pathway"]))) == 2
