"""Keys: Ed25519, P-256/P-384 (ECDSA) and JWT keys, Multikey encoding, did:key / did:web documents, JWKS, resolvers."""

from collections.abc import Iterable
from typing import Any

from badger.keys.did import (
    did_document,
    did_key,
    did_key_document,
    did_web,
    did_web_document_url,
)
from badger.keys.ecdsa import EcdsaKeyPair
from badger.keys.ed25519 import Ed25519KeyPair
from badger.keys.jwk import (
    algorithm_for,
    generate_jwt_key,
    jwk_thumbprint,
    key_from_jwk,
    load_private_pem,
    private_pem,
    public_jwk,
    public_members,
)
from badger.keys.multibase import (
    decode_multikey,
    encode_multikey,
    multibase_decode,
    multibase_encode,
)
from badger.keys.resolver import (
    ChainResolver,
    DidKeyResolver,
    FetchingResolver,
    KeyResolver,
    StaticResolver,
    VerificationMethod,
    find_verification_method,
    methods_of,
)

__all__ = [
    "Ed25519KeyPair",
    "EcdsaKeyPair",
    "did_key",
    "did_key_document",
    "did_web",
    "did_web_document_url",
    "did_document",
    "algorithm_for",
    "generate_jwt_key",
    "jwk_thumbprint",
    "key_from_jwk",
    "load_private_pem",
    "private_pem",
    "public_jwk",
    "decode_multikey",
    "encode_multikey",
    "multibase_decode",
    "multibase_encode",
    "public_members",
    "ChainResolver",
    "DidKeyResolver",
    "FetchingResolver",
    "KeyResolver",
    "StaticResolver",
    "VerificationMethod",
    "find_verification_method",
    "methods_of",
    "jwks",
]


def jwks(jwks_list: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A JWK Set (RFC 7517 §5) of public keys."""
    return {"keys": [public_members(j) for j in jwks_list]}
