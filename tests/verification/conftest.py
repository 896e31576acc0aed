"""The 1EdTech validator fixtures with their keys supplied through a static resolver.

The fixtures expect their verification methods to be resolvable (the validator mocks them):
each issuer's controller document lists the keys its fixtures name, as Multikeys whose
fragment is the key itself; JWT fixtures' issuers publish the JWKs their tokens carry.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from badger import baking
from badger.errors import KeyMaterialError
from badger.keys import ChainResolver, DidKeyResolver, StaticResolver, decode_multikey

FIXTURES = Path(__file__).resolve().parent.parent / "vectors" / "1edtech-validator-ob30"
# A date at which every valid fixture is valid (they were issued 2010-2024).
FIXTURE_NOW = datetime(2025, 6, 1, tzinfo=UTC)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict:
    return json.loads(fixture_bytes(name))


def _issuer_id(doc: dict):
    issuer = doc.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _jwt_parts(token: str):
    header, payload, _ = token.split(".")

    def pad(s):
        return s + "=" * (-len(s) % 4)

    return json.loads(base64.urlsafe_b64decode(pad(header))), json.loads(base64.urlsafe_b64decode(pad(payload)))


def _fixture_documents() -> dict[str, dict]:
    docs: dict[str, dict] = {}

    def add(base: str, method: dict):
        doc = docs.setdefault(base, {"id": base, "verificationMethod": [], "assertionMethod": []})
        if method["id"] not in doc["assertionMethod"]:
            doc["verificationMethod"].append(method)
            doc["assertionMethod"].append(method["id"])

    for path in sorted(FIXTURES.glob("**/*.json")) + [FIXTURES / "bit-string-list" / "testlist"]:
        doc = json.loads(path.read_text("utf-8"))
        issuer = _issuer_id(doc)
        proofs = doc.get("proof") or []
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            vm = proof.get("verificationMethod", "")
            base, _, fragment = vm.partition("#")
            if vm.startswith("did:key:") and isinstance(issuer, str) and issuer != base:
                # An issuer signing with a did:key publishes that delegation in its own document.
                doc = docs.setdefault(issuer, {"id": issuer, "verificationMethod": [], "assertionMethod": []})
                if vm not in doc["assertionMethod"]:
                    doc["assertionMethod"].append(vm)
                continue
            if base != issuer or not fragment:
                continue  # only keys that the issuer itself would publish
            try:
                decode_multikey(fragment)
            except KeyMaterialError:
                continue  # a garbled key name: nothing to publish
            add(base, {"id": vm, "type": "Multikey", "controller": base, "publicKeyMultibase": fragment})

    for name in ("simple-jwt.png", "simple-jwt.svg", "simple-jwt_v1.png", "simple-jwt_v1.svg"):
        _, token = baking.unbake(fixture_bytes(name))
        header, payload = _jwt_parts(token)
        credential = payload.get("vc", payload)
        issuer = _issuer_id(credential)
        if "jwk" in header:
            add(
                issuer,
                {
                    "id": f"{issuer}#jwk-{len(docs.get(issuer, {}).get('verificationMethod', []))}",
                    "type": "JsonWebKey",
                    "controller": issuer,
                    "publicKeyJwk": header["jwk"],
                },
            )
    return docs


@pytest.fixture(scope="session")
def fixture_resolver():
    return ChainResolver(StaticResolver(_fixture_documents()), DidKeyResolver())


@pytest.fixture(scope="session")
def fixture_status_lists():
    testlist = fixture_json("bit-string-list/testlist")
    url = fixture_json("bit-string-list/credential-status-revoked.json")["credentialStatus"]["statusListCredential"]
    return {url: testlist}
