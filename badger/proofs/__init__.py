"""Proofs: the Data Integrity envelope (proof sets and chains) with the eddsa-rdfc-2022
cryptosuite Badger signs with and the suites it verifies (eddsa-jcs-2022, ecdsa-rdfc-2019,
ecdsa-jcs-2019, ecdsa-sd-2023 derived proofs, Ed25519Signature2020), and VC-JWT / vc+jwt.

A suite takes a dict and returns a new dict (or a compact JWS); it never reads the clock, the
network or a database: key, verification method and ``created`` are arguments.
"""

from badger.proofs import cryptosuites, data_integrity, ecdsa_sd_2023, eddsa_rdfc_2022, jcs, vc_jwt
from badger.proofs.data_integrity import ProofCheck, add_proof, proofs_of, verify_proofs
from badger.proofs.vc_jwt import ALLOWED_ALGORITHMS, MAX_TOKEN_LENGTH, JwtVerification

__all__ = [
    "SUITES",
    "cryptosuites",
    "data_integrity",
    "ecdsa_sd_2023",
    "jcs",
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
