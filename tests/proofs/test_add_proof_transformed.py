"""add_proof(..., transformed=...) signs exactly what add_proof computes itself (issuance hands
over the canonical form its validation's shape key made)."""

from __future__ import annotations

from badger.credentials.builders import achievement, achievement_credential, profile
from badger.credentials.identity import identity_object
from badger.jsonld.template import TemplateCanonicalizer, shape_key
from badger.keys import ChainResolver, DidKeyResolver, Ed25519KeyPair, did_key
from badger.proofs.data_integrity import add_proof, verify_proofs


def test_a_precomputed_transformation_gives_the_same_proof():
    pair = Ed25519KeyPair.generate()
    did = did_key(pair)
    vm = f"{did}#{pair.public_key_multibase}"
    canonicalizer = TemplateCanonicalizer()
    for n in range(3):
        document = achievement_credential(
            id=f"https://badges.example/credentials/{n}",
            issuer=profile(id=did, name="CEC"),
            achievement=achievement(id="https://badges.example/a/1", name="B", description="d", criteria_narrative="c"),
            recipient=[identity_object(f"p{n}@exemple.fr", "0f1e2d3c")],
            valid_from="2024-01-01T00:00:00Z",
        )
        transformed = canonicalizer.canonicalize(document, keyed=shape_key(document))
        fast = add_proof(
            document, keypair=pair, verification_method=vm, created="2024-01-01T00:00:00Z", transformed=transformed
        )
        plain = add_proof(document, keypair=pair, verification_method=vm, created="2024-01-01T00:00:00Z")
        assert fast == plain
        assert all(r.verified for r in verify_proofs(fast, resolver=ChainResolver(DidKeyResolver())))
