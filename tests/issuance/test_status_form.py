"""Strict OB 3.0 by default: one ``credentialStatus`` object, so that every Open Badges
credential Badger issues validates against the UNMODIFIED published 1EdTech JSON Schema.

The schemas are checked with plain `jsonschema` against the files exactly as 1EdTech publishes
them (bundled byte for byte under schemas/jsonschema/; their published digests are checked
below), not through badger.credentials.validation,
whose `_status_entries` view accepts the array: the point is what other validators see.

Every issuance path is covered: the API, the command line, bulk jobs, pathways (awarded by the
event subscriber) and endorsements (the EndorsementCredential itself, and a credential that
embeds it). Suspension stays a Badger state, reported by Badger's verifier; an issuer who opts
in to the VC 2.0 form gets both entries; credentials issued before (the array) keep verifying.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from jsonschema import Draft201909Validator

from badger.cli import cli
from badger.core import audit
from badger.errors import InvalidInput
from badger.issuance import issuing, revocation
from badger.issuers import service as issuers
from badger.programmes import endorsements, pathways
from badger.resources import load_json, schemas_dir
from badger.verifying import service as verifying

OPS = audit.Actor("user:test", "camille@cec-ouest.example")


def _published(name: str) -> Draft201909Validator:
    # The bundled file, unmodified: no $ref leaves it, so plain jsonschema needs nothing else.
    schema = load_json(f"jsonschema/ob_v3p0_{name}_schema.json")
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


ACHIEVEMENT_SCHEMA = _published("achievementcredential")
ENDORSEMENT_SCHEMA = _published("endorsementcredential")


def assert_published_schema(document: dict) -> None:
    types = document["type"]
    validator = ENDORSEMENT_SCHEMA if "EndorsementCredential" in types else ACHIEVEMENT_SCHEMA
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == [], errors
    assert isinstance(document.get("credentialStatus", {}), dict)


# sha256 of the files as published (1EdTech's JSON-LD adaptation schemas, fetched from purl by
# conform-ed at 714798c; schemas/README.md): the bundled copies are those bytes, unmodified.
PUBLISHED_SHA256 = {
    "achievementcredential": "b7358e895f492e74055dc6bfc7ffc420d0e497f90c4579fb83d9519b86d393ea",
    "endorsementcredential": "786b1190ea97e7e339d8057f02414603c0e2b8b1cbe46fd72165c73f39a256c6",
}


def test_bundled_schemas_are_the_published_files():
    for name, digest in PUBLISHED_SHA256.items():
        data = (schemas_dir() / "jsonschema" / f"ob_v3p0_{name}_schema.json").read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest


@pytest.fixture
def world(badger, create_issuer, create_achievement):
    issuer, token = create_issuer("CEC Ouest 2023", slug="cec-ouest")
    achievement = create_achievement(issuer)
    return {"issuer": issuer, "token": token, "achievement": achievement.id}


def _issue(badger, achievement, email="elodie@exemple.fr", fmt="ldp"):
    with badger.transaction() as session:
        return issuing.issue(
            badger,
            session,
            issuers.get_issuer(session, "cec-ouest"),
            issuing.IssueRequest(achievement=achievement, email=email, format=fmt),
        )


def _verify(badger, document):
    with badger.transaction() as session:
        return verifying.verify_credential(badger, session, document)


# ------------------------------------------------------------------------- every issuance path


def test_api_credentials_validate_against_the_published_schema(badger, client, world):
    for fmt in ("ldp", "jwt"):
        response = client.post(
            "/api/v1/credentials",
            json={"achievement": world["achievement"], "recipient": {"email": f"{fmt}@exemple.fr"}, "format": fmt},
            headers={"Authorization": f"Bearer {world['token']}"},
        )
        assert response.status_code == 201, response.get_json()
        document = response.get_json()["credential"]
        if isinstance(document, str):  # jwt: the stored payload
            with badger.transaction() as session:
                document = json.loads(issuing.get_credential(session, response.get_json()["id"]).document)
        assert_published_schema(document)
        assert document["credentialStatus"]["statusPurpose"] == "revocation"
        assert _verify(badger, json.dumps(document) if fmt == "ldp" else _jwt(badger, response)).verified


def _jwt(badger, response):
    with badger.transaction() as session:
        return issuing.get_credential(session, response.get_json()["id"]).jwt


def test_cli_and_bulk_credentials_validate_against_the_published_schema(badger, world, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["issue", "--achievement", world["achievement"], "--email", "cli@exemple.fr", "--name", "Élodie"],
        obj=badger,
    )
    assert result.exit_code == 0, result.output
    assert_published_schema(json.loads(result.stdout))

    csv = tmp_path / "rows.csv"
    csv.write_text("email,name\nana@exemple.fr,Ana\nyann@exemple.fr,Yann\n", encoding="utf-8")
    result = runner.invoke(cli, ["issue-bulk", "--achievement", world["achievement"], "--csv", str(csv)], obj=badger)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["issued"] == 2
    with badger.transaction() as session:
        rows = issuing.list_credentials(badger, session, email="ana@exemple.fr") + issuing.list_credentials(
            badger, session, email="yann@exemple.fr"
        )
        documents = [json.loads(r.document) for r in rows]
    assert len(documents) == 2
    for document in documents:
        assert_published_schema(document)


def test_pathway_and_endorsement_credentials_validate_against_the_published_schema(
    badger, world, create_issuer, create_achievement
):
    issuer = world["issuer"]
    modules = [world["achievement"], create_achievement(issuer, name="Session 2 — Nantes").id]
    target = create_achievement(issuer, name="Parcours CEC Ouest 2023 complet").id
    create_issuer("Labo de l'ESS", slug="labo-ess", url="https://labo-ess.example")
    with badger.transaction() as session:
        cec = issuers.get_issuer(session, "cec-ouest")
        pathways.create_pathway(badger, session, cec, achievement_id=target, requirement_ids=modules)
        endorsement = endorsements.endorse(
            badger, session, issuers.get_issuer(session, "labo-ess"), comment="Exigeant.", achievement_id=target
        )
        endorsement_doc = json.loads(endorsement.document)
    assert_published_schema(endorsement_doc)
    for module in modules:
        _issue(badger, module, email="ana@exemple.fr")
    with badger.transaction() as session:
        awarded = issuing.list_credentials(badger, session, email="ana@exemple.fr", achievement=target)
        assert len(awarded) == 1
        pathway_doc = json.loads(awarded[0].document)
    assert pathway_doc["credentialSubject"]["achievement"]["endorsement"] == [endorsement_doc]  # embedded
    assert_published_schema(pathway_doc)
    assert _verify(badger, awarded[0].document).verified


# ------------------------------------------------------------------------------------ suspension


def test_suspension_is_a_badger_state_in_the_strict_form(badger, client, world):
    row = _issue(badger, world["achievement"])
    document = json.loads(row.document)
    assert document["credentialStatus"]["statusPurpose"] == "revocation"
    assert row.suspension_index is not None  # still drawn: one suspension mechanism
    with badger.transaction() as session:
        revocation.suspend(badger, session, issuing.get_credential(session, row.id), reason="Absente", actor=OPS)
    result = _verify(badger, row.document)
    assert not result.verified and result.check("status").code == "status.suspended"
    page = client.get(f"/credentials/{row.id}?lang=en")
    assert page.status_code == 200 and b"uspended" in page.data
    with badger.transaction() as session:
        revocation.unsuspend(badger, session, issuing.get_credential(session, row.id), actor=OPS)
    assert _verify(badger, row.document).verified
    with badger.transaction() as session:
        revocation.revoke(badger, session, issuing.get_credential(session, row.id), reason="Erreur", actor=OPS)
    assert _verify(badger, row.document).check("status").code == "status.revoked"


def test_an_issuer_opts_in_to_the_vc2_form(badger, world):
    with badger.transaction() as session:
        with pytest.raises(InvalidInput):
            issuers.set_status_form(badger, session, issuers.get_issuer(session, "cec-ouest"), "both", actor=OPS)
        issuers.set_status_form(badger, session, issuers.get_issuer(session, "cec-ouest"), "vc2", actor=OPS)
        assert audit.events(session, None, action="issuer.status_form")
    row = _issue(badger, world["achievement"])
    entries = json.loads(row.document)["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    assert list(ACHIEVEMENT_SCHEMA.iter_errors(json.loads(row.document)))  # what the dashboard warns of


def test_credentials_issued_before_keep_verifying(badger, world):
    """A credential with the array form (as every credential issued before this change) still
    verifies after the issuer is back on the strict form, and its suspension is read from the
    list its own suspension entry names."""
    with badger.transaction() as session:
        issuers.set_status_form(badger, session, issuers.get_issuer(session, "cec-ouest"), "vc2", actor=OPS)
    old = _issue(badger, world["achievement"])
    old_jwt = _issue(badger, world["achievement"], email="jwt@exemple.fr", fmt="jwt")
    with badger.transaction() as session:
        issuers.set_status_form(badger, session, issuers.get_issuer(session, "cec-ouest"), "ob3", actor=OPS)
    assert isinstance(json.loads(old.document)["credentialStatus"], list)
    assert _verify(badger, old.document).verified
    assert _verify(badger, old_jwt.jwt).verified
    with badger.transaction() as session:
        revocation.suspend(badger, session, issuing.get_credential(session, old.id), reason="Absente", actor=OPS)
    assert _verify(badger, old.document).check("status").code == "status.suspended"


def test_owner_chooses_the_status_form_in_the_dashboard(badger, client, world):
    from badger.accounts import service as accounts
    from tests.accounts.test_accounts import PASSWORD, login, post_form

    with badger.transaction() as session:
        user = accounts.create_user(badger, session, email="owner@cec.example.org", name="Camille", password=PASSWORD)
        accounts.add_membership(badger, session, user, issuers.get_issuer(session, "cec-ouest"), "owner", actor=OPS)
    login(client, "owner@cec.example.org")
    page = client.get("/dashboard/cec-ouest/keys?lang=en").get_data(as_text=True)
    assert "1EdTech validator" in page and '<option selected value="ob3">' in page
    refused = post_form(
        client, "/dashboard/cec-ouest/keys", {"status_form": "both"}, action="/dashboard/cec-ouest/keys/status-form"
    )
    assert refused.status_code == 400
    saved = post_form(
        client, "/dashboard/cec-ouest/keys", {"status_form": "vc2"}, action="/dashboard/cec-ouest/keys/status-form"
    )
    assert saved.status_code == 302
    with badger.transaction() as session:
        assert issuers.get_issuer(session, "cec-ouest").status_form == "vc2"
