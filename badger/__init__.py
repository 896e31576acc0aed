"""Badger: an Open Badges 3.0 issuer.

The domain packages (credentials, jsonld, keys, proofs, baking, status, verification) are a
library that never imports Flask or SQLAlchemy; see docs in README.md.
"""

__version__ = "0.1.0"
