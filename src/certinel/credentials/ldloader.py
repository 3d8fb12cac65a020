"""JSON-LD processing with pinned contexts only, and RDF Dataset Canonicalization (RDFC-1.0).

The document loader serves the contexts kept in `contexts/` (see its README) and nothing else:
no URL is ever fetched. Canonicalisation runs in "safe mode", as the reference JavaScript
implementation does: a property or type that the contexts do not define makes it fail instead
of being silently dropped (a dropped term would be left out of what the signature covers).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DID_V1_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1_CONTEXT = "https://w3id.org/security/multikey/v1"
CERTINEL_V1_CONTEXT = "https://w3id.org/certinel/credentials/v1"
CERTINEL_QUALIFICATION_V1_CONTEXT = "https://w3id.org/certinel/qualification/v1"  # the CMA certificate's terms

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*$")


class UnknownContextError(Exception):
    """A document names a JSON-LD context (or other remote document) that is not pinned."""

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context not pinned in Certinel, refusing to fetch it: {url}")
        self.url = url


class CanonicalizationError(Exception):
    """The document cannot be canonicalised safely: unknown context, undefined term, bad JSON-LD."""


@cache
def pinned_contexts() -> dict[str, dict[str, Any]]:
    """Every pinned context, by URL, parsed once."""
    index = json.loads((CONTEXTS_DIR / "index.json").read_text(encoding="utf-8"))
    return {url: json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8")) for url, name in index.items()}


class PinnedDocumentLoader:
    """A PyLD document loader that serves pinned documents only.

    `extra` adds documents (for example test-vector contexts) to this loader alone; the
    pinned set itself cannot be changed at run time."""

    def __init__(self, extra: Mapping[str, dict[str, Any]] | None = None) -> None:
        self._documents = {**pinned_contexts(), **dict(extra or {})}
        # Each loader has its own cache of processed contexts, so that a context served by one
        # loader can never be seen by another.
        self._shared_cache: dict[str, Any] = {}

    def __call__(self, url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            document = self._documents[url]
        except KeyError:
            raise UnknownContextError(url) from None
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document), "tag": "static"}

    def knows(self, url: str) -> bool:
        return url in self._documents

    def options(self) -> dict[str, Any]:
        return {
            "documentLoader": self,
            "contextResolver": ContextResolver(self._shared_cache, self),
            "base": None,
            "rdfDirection": "i18n-datatype",
        }


@cache
def default_loader() -> PinnedDocumentLoader:
    return PinnedDocumentLoader()


def _root_cause(exc: BaseException) -> BaseException:
    seen = exc
    while seen.__cause__ is not None:
        seen = seen.__cause__
    return seen


def _check_absolute(node: Any, path: str) -> None:
    """Safe mode: every @id and @type left after expansion must be an absolute IRI or a blank
    node; a relative one means an undefined type or a value the signature would not cover."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_absolute(item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@id" and isinstance(value, str) and not (value.startswith("_:") or _ABSOLUTE_IRI.match(value)):
            raise CanonicalizationError(f"relative or undefined identifier {value!r} at {path}")
        if key == "@type" and "@value" not in node:
            for t in value if isinstance(value, list) else [value]:
                if isinstance(t, str) and not (t.startswith("_:") or _ABSOLUTE_IRI.match(t)):
                    raise CanonicalizationError(f"undefined type {t!r} at {path}")
        if key != "@value":
            _check_absolute(value, f"{path}/{key}")


def _raise_dropped(prop: str) -> None:
    raise CanonicalizationError(f"term {prop!r} is not defined by the document's contexts")


def expand_safe(document: dict[str, Any], loader: PinnedDocumentLoader | None = None) -> list[Any]:
    """Expand a JSON-LD document with pinned contexts, refusing undefined terms and types."""
    loader = loader or default_loader()
    processor = jsonld.JsonLdProcessor(on_property_dropped=_raise_dropped)
    try:
        expanded = processor.expand(document, loader.options())
    except CanonicalizationError:
        raise
    except Exception as exc:
        cause = _root_cause(exc)
        if isinstance(cause, UnknownContextError | CanonicalizationError):
            raise CanonicalizationError(str(cause)) from exc
        raise CanonicalizationError(f"invalid JSON-LD: {cause}") from exc
    _check_absolute(expanded, "")
    return expanded


def canonize(document: dict[str, Any], loader: PinnedDocumentLoader | None = None) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, in safe mode."""
    loader = loader or default_loader()
    expanded = expand_safe(document, loader)
    try:
        options = loader.options()
        dataset = jsonld.JsonLdProcessor().to_rdf(expanded, options)
        return URDNA2015().main(dataset, {"format": "application/n-quads"})
    except Exception as exc:
        raise CanonicalizationError(f"cannot canonicalise: {_root_cause(exc)}") from exc
