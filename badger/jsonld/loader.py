"""The one JSON-LD document loader: offline, static, an unknown URL is an error.

Every context Badger understands is bundled under schemas/contexts (index.json maps URL -> file).
Answers carry ``"tag": "static"`` so that pyld keeps the processed context across calls
(field notes: ~25 % of a normalisation is saved). Extra documents (a test's DID documents, a
status list) can be added per loader; they are never fetched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from badger.errors import UnknownContext
from badger.resources import load_json

__all__ = ["StaticDocumentLoader", "bundled_contexts"]


def bundled_contexts() -> dict[str, Any]:
    """{context URL: parsed context} for every bundled context (parsed once per process)."""
    index = load_json("contexts/index.json")
    return {url: load_json(f"contexts/{name}") for url, name in index.items()}


class StaticDocumentLoader:
    """``loader(url, options) -> remote document`` as pyld expects; raises UnknownContext.

    The parsed documents are shared, read-only objects: pyld never mutates a loaded context.
    """

    def __init__(self, documents: Mapping[str, Any] | None = None):
        self._documents = bundled_contexts()
        if documents:
            self._documents.update(documents)

    def knows(self, url: str) -> bool:
        return url in self._documents

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        document = self._documents.get(url)
        if document is None:
            raise UnknownContext(f"unknown JSON-LD context {url!r}: contexts are never fetched")
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}
