"""Web edge of the wallets area: offers, VC-API exchanges, OpenID4VCI endpoints, the learner's
offer block and the partner's wallet settings."""
