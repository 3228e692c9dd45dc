"""The kinds of document Proficio renders, registered by the apps that own their objects.

An app registers each kind from its `AppConfig.ready()`:

    register("results", model=Participant, render=render_results_pdf, source=results_source,
             filename=results_filename, rule="participant.results", label="360° report",
             queryset=results_participants)

- `render(obj) -> bytes`: the PDF (a pure function of what `source` describes);
- `source(obj)`: a JSON-able value describing everything the PDF shows; its SHA-256 over canonical
  JSON decides whether a stored file can be reused;
- `filename(obj)`: the name the download is offered under;
- `rule`: the permission action a reader needs on the object ("<thing>.<verb>"): outside the
  audience of the object ("<thing>.view") the document gives 404, inside it without the rule 403;
- `queryset()`: optional, the queryset objects are fetched from (with what render needs loaded);
- `page(obj)`: optional, the URL of the object's page, where a request without `next` returns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.http import Http404


@dataclass(frozen=True)
class Kind:
    kind: str
    model: type[Model]
    render: Callable[[Any], bytes]
    source: Callable[[Any], Any]
    filename: Callable[[Any], str]
    rule: str
    label: str
    queryset: Callable[[], QuerySet] | None = None
    page: Callable[[Any], str] | None = None

    def objects(self) -> QuerySet:
        return self.queryset() if self.queryset is not None else self.model._default_manager.all()

    def source_sha256(self, obj) -> str:
        return source_sha256(self.source(obj))


_KINDS: dict[str, Kind] = {}


def register(kind: str, *, model: type[Model], render: Callable[[Any], bytes], source: Callable[[Any], Any],
             filename: Callable[[Any], str], rule: str, label: str,
             queryset: Callable[[], QuerySet] | None = None, page: Callable[[Any], str] | None = None) -> Kind:
    if kind in _KINDS:
        raise ImproperlyConfigured(f"Two document kinds named {kind!r}.")
    if not kind or len(kind) > 40 or not kind.replace("_", "").replace("-", "").isalnum():
        raise ImproperlyConfigured(f"Document kind {kind!r}: up to 40 letters, digits, '-' or '_'.")
    _KINDS[kind] = Kind(kind, model, render, source, filename, rule, label, queryset, page)
    return _KINDS[kind]


def get_kind(kind: str) -> Kind:
    """The registered kind; Http404 for an unknown one (a forged URL)."""
    try:
        return _KINDS[kind]
    except KeyError:
        raise Http404("No such kind of document.") from None


def registered_kinds() -> dict[str, Kind]:
    return dict(_KINDS)


def canonical_json(value: Any) -> str:
    """One spelling of `value`: sorted keys, no spaces; dates, decimals and the like as str."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def source_sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
