"""Proofs: the Data Integrity envelope with the eddsa-rdfc-2022 cryptosuite, and VC-JWT.

A suite takes a dict and returns a new dict (or a compact JWS); it never reads the clock, the
network or a database: key, verification method and ``created`` are arguments.
"""

from badger.proofs import data_integrity, eddsa_rdfc_2022, vc_jwt
from badger.proofs.data_integrity import ProofCheck, add_proof, proofs_of, verify_proofs
from badger.proofs.vc_jwt import ALLOWED_ALGORITHMS, MAX_TOKEN_LENGTH, JwtVerification

__all__ = [
    "SUITES",
    "data_integrity",
    "eddsa_rdfc_2022",
    "vc_jwt",
    "ProofCheck",
    "add_proof",
    "proofs_of",
    "verify_proofs",
    "JwtVerification",
    "ALLOWED_ALGORITHMS",
    "MAX_TOKEN_LENGTH",
]

# {format name: module}: "ldp" documents carry a Data Integrity proof, "jwt" ones are a compact JWS.
SUITES = {"ldp": data_integrity, "jwt": vc_jwt}
