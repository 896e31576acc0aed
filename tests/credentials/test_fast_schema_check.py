"""The yes/no schema answer (jsonschema-rs) agrees with python-jsonschema, whose errors make the
problems: on every vector, on built credentials, and on the same documents broken at random.
A document jsonschema-rs accepts must give python-jsonschema no error (else problems would be
lost); one it refuses goes through python-jsonschema, so a stricter answer would only cost time,
but both must agree all the same."""

from __future__ import annotations

import copy
import glob
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badger.credentials import validation
from badger.credentials.builders import achievement, achievement_credential, evidence, profile
from badger.credentials.identity import identity_object
from tests.conftest import VECTORS, load_vector


def _python_says_valid(kind: str, view: dict, entries: list) -> bool:
    main = [
        e
        for e in validation._validator(kind).iter_errors(view)
        if not (entries and tuple(e.absolute_path)[:1] == ("credentialStatus",))
    ]
    return not main and not any(True for _, entry, v in entries for _ in v.iter_errors(entry))


def _agree(doc: dict) -> bool | None:
    root = validation._root_kind(doc)
    if root is None or root[0] == "vc":
        return None
    view, entries = validation._status_entries(doc, root[0])
    fast = validation._schema_valid(root[0], view, entries)
    assert fast == _python_says_valid(root[0], view, entries)
    return fast


def _vectors() -> list[dict]:
    docs = []
    for path in sorted(glob.glob(str(VECTORS / "**" / "*.json"), recursive=True)):
        doc = load_vector(path[len(str(VECTORS)) + 1 :])
        if isinstance(doc, dict) and "type" in doc:
            docs.append(doc)
    return docs


def test_both_validators_agree_on_every_vector():
    answers = [_agree(doc) for doc in _vectors()]
    assert answers.count(True) > 10 and answers.count(False) > 3


def _credential(n: int) -> dict:
    return achievement_credential(
        id=f"https://badges.example/credentials/{n}",
        issuer=profile(id="did:web:badges.example", name="CEC", url="https://badges.example", email="a@b.example"),
        achievement=achievement(id="https://badges.example/a/1", name="B", description="d", criteria_narrative="c"),
        recipient=[identity_object("élève@exemple.fr", "0f1e2d3c")],
        valid_from="2024-01-01T00:00:00Z",
        valid_until="2030-01-01T00:00:00Z",
        evidence=[evidence(id="https://e.example/1", narrative="n", name="e")] * (n % 3),
        credential_status=[
            {
                "id": "https://badges.example/status/r#7",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "7",
                "statusListCredential": "https://badges.example/status/r",
            }
        ]
        * (1 + n % 2),
    )


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


BROKEN = st.sampled_from(
    [
        None,
        5,
        1.5,
        True,
        "",
        "x",
        [],
        {},
        ["x"],
        {"fr": "x"},
        {"x": 1},
        "2024-01-01",
        "2024-13-01",
        "not a date",
        "2024-01-01T00:00:00",
        "2024-01-01T00:00:00Z",
        "https://a.example",
        "ext:x",
        "DELETE",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 5), st.lists(st.tuples(st.integers(0, 10_000), BROKEN), min_size=1, max_size=3))
def test_both_validators_agree_on_broken_documents(n, edits):
    doc = json.loads(json.dumps(_credential(n)))  # no shared objects
    for pick, value in edits:
        paths = [p for p in _paths(doc) if p and p[0] not in ("@context", "type")]
        if not paths:
            break
        path = paths[pick % len(paths)]
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if value == "DELETE":
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(value)
    _agree(doc)


def test_a_valid_credential_is_valid_for_both_and_a_bad_date_for_neither():
    doc = _credential(1)
    assert _agree(doc) is True
    doc["validFrom"] = "2024-02-30T00:00:00Z"
    assert _agree(doc) is False
    assert [p.code for p in validation.validate(doc)][:1] == ["schema.format"]
