"""Sign and verify the same OB 3.0 credential N times with Badger and with Digital Bazaar's
vc.js (eddsa-rdfc-2022, one core each, offline contexts) in one run; print rates and ratios.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_sign_verify.py [N]``).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from badger.credentials.builders import achievement, achievement_credential, profile
from badger.credentials.identity import identity_object
from badger.keys import ChainResolver, DidKeyResolver, Ed25519KeyPair, did_key
from badger.proofs.data_integrity import add_proof, verify_proofs
from badger.verification import verify
from tests.interop.node import run_node

CREATED = "2026-11-22T10:00:00Z"


def credential(issuer_did: str) -> dict:
    issuer = profile(
        id=issuer_did,
        name="CEC Ouest — Convention des Entreprises pour le Climat",
        url="https://cec-ouest.example",
        email="contact@cec-ouest.example",
    )
    badge = achievement(
        id="https://badges.example/achievements/5f0c9f1e-5a49-4f2b-9d1e-0d4bb6a3f0a1",
        name="Session 1 — Montée à bord (CEC Ouest 2023, Rennes)",
        description="A participé aux deux journées du premier camp de base à Rennes, 20-21 janvier 2023.",
        criteria_narrative="Présence aux deux journées et contribution au diagnostic partagé.",
    )
    return achievement_credential(
        id="https://badges.example/credentials/6b3c1a52-2c4e-4f3b-8d6a-4f1b2e9c7d10",
        issuer=issuer,
        achievement=badge,
        recipient=identity_object("camille.lefebvre@example.org", "Ws7Jd9pQ"),
        valid_from="2023-01-21T17:00:00Z",
    )


def main(n: int = 300) -> None:
    pair = Ed25519KeyPair.generate()
    did = did_key(pair)
    vm = f"{did}#{pair.public_key_multibase}"
    doc = credential(did)
    resolver = ChainResolver(DidKeyResolver())
    now = datetime.now(UTC)

    for _ in range(10):  # warm-up: context processing, caches
        signed = add_proof(doc, keypair=pair, verification_method=vm, created=CREATED)
        verify(signed, resolver=resolver, now=now)
    # Wall clock for the rates (as vc.js is timed), CPU time of this process too: on a shared
    # machine it moves much less than the wall clock.
    cpu: dict[str, float] = {}
    t, c = time.perf_counter(), time.process_time()
    for _ in range(n):
        signed = add_proof(doc, keypair=pair, verification_method=vm, created=CREATED)
    badger_sign = n / (time.perf_counter() - t)
    cpu["sign"] = (time.process_time() - c) / n
    t, c = time.perf_counter(), time.process_time()
    for _ in range(n):
        result = verify(signed, resolver=resolver, now=now)
    badger_verify = n / (time.perf_counter() - t)
    cpu["verify"] = (time.process_time() - c) / n
    assert result.verified, result.as_dict("en")
    t, c = time.perf_counter(), time.process_time()
    for _ in range(n):
        verify_proofs(signed, resolver=resolver)
    badger_proof_only = n / (time.perf_counter() - t)
    cpu["proof"] = (time.process_time() - c) / n

    ref = run_node(
        "bench-vcjs.mjs",
        {
            "credential": doc,
            "n": n,
            "created": CREATED,
            "key": {
                "id": vm,
                "controller": did,
                "publicKeyMultibase": pair.public_key_multibase,
                "secretKeyMultibase": pair.secret_key_multibase,
            },
        },
        timeout=600,
    )
    # Same bytes: vc.js's proof over the same document, key and `created` must equal Badger's.
    same = ref["signed"]["proof"]["proofValue"] == signed["proof"]["proofValue"]

    print(f"credential: {len(json.dumps(doc))} bytes JSON, N = {n}, one core each")
    print(f"{'':28}{'Badger':>12}{'vc.js':>12}{'ratio':>8}")
    print(
        f"{'sign (credentials/s)':28}{badger_sign:12.0f}{ref['sign_per_s']:12.0f}{badger_sign / ref['sign_per_s']:8.2f}"
    )
    print(
        f"{'verify, all checks (/s)':28}{badger_verify:12.0f}{ref['verify_per_s']:12.0f}{badger_verify / ref['verify_per_s']:8.2f}"
    )
    print(
        f"{'verify, proof only (/s)':28}{badger_proof_only:12.0f}{ref['verify_per_s']:12.0f}{badger_proof_only / ref['verify_per_s']:8.2f}"
    )
    print(f"identical proofValue from both implementations: {same}")
    print(
        f"Badger CPU time per credential: sign {cpu['sign'] * 1000:.3f} ms, verify (all checks) "
        f"{cpu['verify'] * 1000:.3f} ms, proof only {cpu['proof'] * 1000:.3f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
