"""Builders: unsigned OB 3.0 documents that validate as issued (OB 3.0 Appendix B, VC DM 2.0)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badger.credentials import builders as b
from badger.credentials.identity import identity_object
from badger.credentials.validation import validate
from badger.credentials.vocab import (
    ACHIEVEMENT_CREDENTIAL_SCHEMA,
    OB_CONTEXT,
    SCHEMA_VALIDATOR_TYPE,
    VC_V2_CONTEXT,
)
from badger.errors import InvalidInput

ISSUER_ID = "https://badger.example/issuers/cec-ouest"
SALT = "5b1f0c9e2d7a4b3c"


def issuer(**extra):
    return b.profile(
        id=ISSUER_ID,
        name="Convention des Entreprises pour le Climat — Ouest",
        url="https://cec.example",
        email="contact@cec.example",
        image="https://badger.example/img/cec.png",
        **extra,
    )


def session_achievement(**extra):
    args = dict(
        id="https://badger.example/achievements/cec-ouest-2023/session-1",
        name="Session 1 — Montée à bord (CEC Ouest 2023, Rennes)",
        description="Première session du parcours, 20-21 janvier 2023 à Rennes : diagnostic partagé.",
        criteria_narrative="Avoir participé aux **deux journées** du camp de base.",
    )
    args.update(extra)
    return b.achievement(**args)


def credential(**extra):
    args = dict(
        id="urn:uuid:0f6c3ad8-4a4e-4d0b-9a53-1e0d1c6f2a10",
        issuer=issuer(),
        achievement=session_achievement(),
        recipient=identity_object("elodie.martin@exemple.fr", SALT),
        valid_from="2023-01-21T17:00:00Z",
    )
    args.update(extra)
    return b.achievement_credential(**args)


def assert_no_none(value, path="$"):
    if isinstance(value, dict):
        for k, v in value.items():
            assert v is not None, f"{path}.{k} is None"
            assert v != [], f"{path}.{k} is empty"
            assert_no_none(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            assert_no_none(v, f"{path}[{i}]")


# ----------------------------------------------------------------------------- dates


def test_format_datetime():
    paris = timezone(timedelta(hours=2))
    assert b.format_datetime(datetime(2023, 6, 29, 9, 30, 15, 999_999, tzinfo=paris)) == "2023-06-29T07:30:15Z"
    assert b.format_datetime(datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0999-01-02T03:04:05Z"
    with pytest.raises(InvalidInput):
        b.format_datetime(datetime(2023, 1, 1))


# ----------------------------------------------------------------------------- credentials


def test_achievement_credential_shape():
    doc = credential()
    assert doc["@context"] == [VC_V2_CONTEXT, OB_CONTEXT]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["name"] == "Session 1 — Montée à bord (CEC Ouest 2023, Rennes)"  # from the achievement
    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert "id" not in subject
    assert subject["identifier"] == [identity_object("elodie.martin@exemple.fr", SALT)]
    assert subject["achievement"]["criteria"] == {"narrative": "Avoir participé aux **deux journées** du camp de base."}
    # Off by default: its type is undefined under [VC 2.0, OB 3.0.3] (see the builder's docstring).
    assert "credentialSchema" not in doc
    assert credential(credential_schema=True)["credentialSchema"] == [
        {"id": ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": SCHEMA_VALIDATOR_TYPE}
    ]
    assert "validUntil" not in doc and "credentialStatus" not in doc and "evidence" not in doc
    assert_no_none(doc)
    assert validate(doc, mode="issue") == []


def test_a_complete_credential_validates_as_issued():
    status = {
        "id": "https://badger.example/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://badger.example/status/1",
    }
    grade = b.result_description(
        id="urn:uuid:3c1f2b0e-1d1e-4a8b-9d55-2c7b0f1e4a01",
        name="Feuille de route",
        result_type="Status",
    )
    ach = session_achievement(
        image=b.image(id="https://badger.example/img/s1.png", caption="Badge de la session 1"),
        achievement_type="Badge",
        tags=("climat", "CEC Ouest 2023", "régénératif"),
        alignments=[
            b.alignment(
                target_name="Faire écosystème",
                target_url="https://badger.example/competences/faire-ecosysteme",
                target_description="Coopérer avec les acteurs du territoire.",
                target_code="FE-1",
                target_framework="Référentiel Crois/Sens",
                target_type="ext:BadgerCompetence",
            )
        ],
        creator=issuer(),
        in_language="fr-FR",
        human_code="CEC-O-S1",
        field_of_study="Transition écologique",
        version="2023",
        credits_available=1.5,
        result_descriptions=[grade],
    )
    doc = credential(
        achievement=ach,
        issuer=issuer(
            phone="+33 2 99 00 00 00",
            description="Réseau d'entreprises",
            parent_org=b.profile(id="https://badger.example/issuers/cec", name="CEC"),
        ),
        valid_from=datetime(2023, 1, 21, 17, 0, tzinfo=UTC),
        valid_until=datetime(2033, 1, 21, 17, 0, tzinfo=UTC),
        awarded_date="2023-01-21T17:00:00+01:00",
        description="Badge de participation",
        image="https://badger.example/img/s1-credential.png",
        evidence=[
            b.evidence(id="https://badger.example/evidence/42", name="Feuille de présence", genre="Attendance"),
            b.evidence(narrative="Présente aux deux journées ; a animé l'atelier *donut*.", audience="Pairs"),
        ],
        results=[b.result(result_description=grade["id"], status="Completed")],
        recipient_name="Élodie Martin",
        credential_status=status,
    )
    assert doc["validFrom"] == "2023-01-21T17:00:00Z"
    assert doc["credentialStatus"] == status
    assert_no_none(doc)
    assert validate(doc, mode="issue") == []


def test_did_recipient_and_display_name():
    doc = credential(
        recipient="did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", recipient_name="Jean-Loïc Le Goff"
    )
    subject = doc["credentialSubject"]
    assert subject["id"] == "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityHash": "Jean-Loïc Le Goff",
            "identityType": "name",
            "hashed": False,
        }
    ]
    assert validate(doc, mode="issue") == []


def test_several_identity_objects_and_no_credential_schema():
    ids = [identity_object("a@exemple.fr", "s1"), identity_object("b@exemple.fr", "s2")]
    doc = credential(recipient=ids, credential_schema=False, name="Autre nom")
    assert doc["credentialSubject"]["identifier"] == ids
    assert "credentialSchema" not in doc
    assert doc["name"] == "Autre nom"
    assert validate(doc, mode="issue") == []


def test_builders_copy_their_inputs():
    ach = session_achievement()
    doc = credential(achievement=ach)
    doc["credentialSubject"]["achievement"]["name"] = "changed"
    assert ach["name"] != "changed"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"id": "not a uri"},
        {"issuer": "example"},
        {"issuer": {"name": "no id"}},
        {"recipient": "alice"},
        {"recipient": []},
        {"recipient": 42},
        {"achievement": "https://x.example/a"},
        {"valid_from": datetime(2023, 1, 1)},
        {"valid_from": ""},
        {"evidence": ["https://x.example/e"]},
    ],
)
def test_achievement_credential_refuses(kwargs):
    with pytest.raises(InvalidInput):
        credential(**kwargs)


def test_endorsement_credential():
    doc = b.endorsement_credential(
        id="urn:uuid:6d0b8f7e-2c55-4a3a-b9f1-3d8b2a0c4e11",
        issuer=b.profile(id="https://badger.example/issuers/labo-ess", name="Labo de l'ESS"),
        endorsed_id="https://badger.example/achievements/cec-ouest-2023/session-1",
        name="Recommandation du Labo de l'ESS",
        endorsement_comment="Un parcours exigeant et **coopératif**. 👏",
        valid_from="2023-10-19T09:00:00+02:00",
    )
    assert doc["@context"] == [VC_V2_CONTEXT, OB_CONTEXT]
    assert doc["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert doc["credentialSubject"] == {
        "id": "https://badger.example/achievements/cec-ouest-2023/session-1",
        "type": ["EndorsementSubject"],
        "endorsementComment": "Un parcours exigeant et **coopératif**. 👏",
    }
    assert "credentialSchema" not in doc
    assert validate(doc, mode="issue") == []
    with pytest.raises(InvalidInput):
        b.endorsement_credential(
            id=doc["id"],
            issuer=ISSUER_ID,
            endorsed_id="x",
            name="n",
            endorsement_comment=None,
            valid_from="2023-10-19T09:00:00Z",
        )


def test_profile_validates_on_its_own():
    assert validate(issuer(), mode="issue") == []


# ----------------------------------------------------------------------------- parts


def test_achievement_needs_criteria():
    with pytest.raises(InvalidInput):
        session_achievement(criteria_narrative=None)
    ach = session_achievement(criteria_narrative=None, criteria_id="https://badger.example/criteres/s1")
    assert ach["criteria"] == {"id": "https://badger.example/criteres/s1"}
    assert validate(credential(achievement=ach), mode="issue") == []


@pytest.mark.parametrize(
    ("build", "kwargs"),
    [
        (b.achievement, {"id": "https://x.example/a", "name": " ", "description": "d", "criteria_narrative": "c"}),
        (b.achievement, {"id": "x", "name": "n", "description": "d", "criteria_narrative": "c"}),
        (b.profile, {"id": "https://x.example/p", "name": ""}),
        (b.image, {"id": "logo.png"}),
        (b.alignment, {"target_name": "n", "target_url": "competence"}),
        (b.evidence, {}),
        (b.evidence, {"id": "piece-jointe"}),
        (b.result, {"result_description": "urn:uuid:1"}),
        (b.result_description, {"id": "urn:uuid:1", "name": "n", "result_type": ""}),
    ],
)
def test_parts_refuse(build, kwargs):
    with pytest.raises(InvalidInput):
        build(**kwargs)


def test_image_type_is_a_single_string():
    # The schema accepts only the string "Image" here, unlike the array form used elsewhere.
    assert b.image(id="data:image/png;base64,iVBORw0KGgo=", caption="Logo") == {
        "id": "data:image/png;base64,iVBORw0KGgo=",
        "type": "Image",
        "caption": "Logo",
    }


# ----------------------------------------------------------------------------- any text

# Any Unicode text except C0 controls other than newline / carriage return (and DEL), which
# issue-mode validation refuses on purpose (test_control_characters_are_refused_at_issue).
_TEXT_ALPHABET = st.characters(
    blacklist_categories=("Cs",), blacklist_characters=[c for c in map(chr, [*range(0x20), 0x7F]) if c not in "\n\r"]
)
texts = st.text(_TEXT_ALPHABET, min_size=1, max_size=2000).filter(lambda s: s.strip())


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=texts,
    description=texts,
    narrative=texts,
    evidence_text=texts,
    learner=texts,
    email=st.emails(),
    salt=st.text(_TEXT_ALPHABET, min_size=1, max_size=64),
)
def test_any_text_builds_a_valid_credential(name, description, narrative, evidence_text, learner, email, salt):
    ach = session_achievement(name=name, description=description, criteria_narrative=narrative, tags=(name,))
    doc = credential(
        achievement=ach,
        issuer=b.profile(id=ISSUER_ID, name=name, description=description),
        recipient=identity_object(email, salt),
        recipient_name=learner,
        evidence=[b.evidence(narrative=evidence_text, name=name, description=description)],
    )
    assert validate(doc, mode="issue") == []
    again = credential(
        achievement=session_achievement(name=name, description=description, criteria_narrative=narrative, tags=(name,)),
        issuer=b.profile(id=ISSUER_ID, name=name, description=description),
        recipient=identity_object(email, salt),
        recipient_name=learner,
        evidence=[b.evidence(narrative=evidence_text, name=name, description=description)],
    )
    assert again == doc  # no clock, no randomness: same arguments, same document


@pytest.mark.parametrize("char", ["\t", "\x00", "\x07", "\x08", "\x0c", "\x1f", "\x7f"])
def test_control_characters_are_refused_at_issue(char):
    doc = credential(name=f"Fresque{char}du climat")
    assert [p.code for p in validate(doc, mode="issue")] == ["text.control_character"]
    assert validate(doc, mode="verify") == []  # others' credentials may carry them
