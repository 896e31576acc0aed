"""Badges into learners' wallets: offers (one QR code, two protocols), W3C VC-API exchanges
(DID Authentication, as DCC's Learner Credential Wallet speaks them) and OpenID for Verifiable
Credential Issuance 1.0 (pre-authorized code flow)."""
