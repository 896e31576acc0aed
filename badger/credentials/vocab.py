"""Context URLs, type names and media types: the one place they are spelled.

OB 3.0 §"Open Badges Document Formats": the first ``@context`` entry is the VC 2.0 context and
the second the OB 3.0 context (3.0.3 is current; older 3.0.x and 3.0.0 still circulate).
"""

from __future__ import annotations

__all__ = [
    "VC_V2_CONTEXT",
    "VC_V1_CONTEXT",
    "OB_CONTEXT",
    "OB_CONTEXTS",
    "OB_EXTENSIONS_CONTEXT",
    "DATA_INTEGRITY_V2_CONTEXT",
    "MULTIKEY_V1_CONTEXT",
    "JWK_V1_CONTEXT",
    "DID_V1_CONTEXT",
    "ED25519_2020_CONTEXT",
    "STATUS_V1_CONTEXT",
    "OB_CREDENTIAL_CONTEXT",
    "VC_TYPE",
    "OB_CREDENTIAL_TYPES",
    "ENDORSEMENT_CREDENTIAL_TYPE",
    "ACHIEVEMENT_SUBJECT",
    "ACHIEVEMENT",
    "PROFILE",
    "IDENTITY_OBJECT",
    "EVIDENCE",
    "ALIGNMENT",
    "RESULT",
    "RESULT_DESCRIPTION",
    "ENDORSEMENT_SUBJECT",
    "IMAGE",
    "IDENTIFIER_ENTRY",
    "RUBRIC_CRITERION_LEVEL",
    "RELATED",
    "ADDRESS",
    "GEO_COORDINATES",
    "DATA_INTEGRITY_PROOF",
    "ED25519_SIGNATURE_2020",
    "EDDSA_RDFC_2022",
    "STATUS_LIST_ENTRY",
    "STATUS_LIST_CREDENTIAL",
    "STATUS_LIST_SUBJECT",
    "LEGACY_STATUS_ENTRY",
    "LEGACY_STATUS_CREDENTIAL",
    "LEGACY_STATUS_SUBJECT",
    "SCHEMA_VALIDATOR_TYPE",
    "ACHIEVEMENT_CREDENTIAL_SCHEMA",
    "ENDORSEMENT_CREDENTIAL_SCHEMA",
    "PROFILE_SCHEMA",
    "MEDIA_VC_LD",
    "MEDIA_VC_JWT",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_CONTEXTS = (
    OB_CONTEXT,
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",
)
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DATA_INTEGRITY_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1_CONTEXT = "https://w3id.org/security/multikey/v1"
JWK_V1_CONTEXT = "https://w3id.org/security/jwk/v1"
DID_V1_CONTEXT = "https://www.w3.org/ns/did/v1"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
STATUS_V1_CONTEXT = "https://www.w3.org/ns/credentials/status/v1"

# What Badger writes: VC 2.0 first, then OB 3.0.3, nothing else.
OB_CREDENTIAL_CONTEXT = (VC_V2_CONTEXT, OB_CONTEXT)

VC_TYPE = "VerifiableCredential"
OB_CREDENTIAL_TYPES = ("OpenBadgeCredential", "AchievementCredential")
ENDORSEMENT_CREDENTIAL_TYPE = "EndorsementCredential"
ACHIEVEMENT_SUBJECT = "AchievementSubject"
ACHIEVEMENT = "Achievement"
PROFILE = "Profile"
IDENTITY_OBJECT = "IdentityObject"
EVIDENCE = "Evidence"
ALIGNMENT = "Alignment"
RESULT = "Result"
RESULT_DESCRIPTION = "ResultDescription"
ENDORSEMENT_SUBJECT = "EndorsementSubject"
IMAGE = "Image"
IDENTIFIER_ENTRY = "IdentifierEntry"
RUBRIC_CRITERION_LEVEL = "RubricCriterionLevel"
RELATED = "Related"
ADDRESS = "Address"
GEO_COORDINATES = "GeoCoordinates"

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
EDDSA_RDFC_2022 = "eddsa-rdfc-2022"

STATUS_LIST_ENTRY = "BitstringStatusListEntry"
STATUS_LIST_CREDENTIAL = "BitstringStatusListCredential"
STATUS_LIST_SUBJECT = "BitstringStatusList"
# StatusList2021 (the predecessor of Bitstring Status List), still read for VC 1.1 credentials.
LEGACY_STATUS_ENTRY = "StatusList2021Entry"
LEGACY_STATUS_CREDENTIAL = "StatusList2021Credential"
LEGACY_STATUS_SUBJECT = "StatusList2021"

SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"
ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
ENDORSEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
)
PROFILE_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_profile_schema.json"

MEDIA_VC_LD = "application/vc+ld+json"
MEDIA_VC_JWT = "application/vc+jwt"
