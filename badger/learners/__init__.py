"""Learner accounts: sign-in by e-mail link, several addresses, one collection (the badges this
instance issued to any confirmed address, and badges imported from any issuer), a public
profile, deletion."""
