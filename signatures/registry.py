"""The records that can be signed. Each app registers its own in its `AppConfig.ready()`:

    register(Plan, content=..., version=..., authors=..., signers=..., label="development plan")

`content(record)` is what a signature covers, as JSON-able data (ids, texts, levels, dates — not the
record's status); `version(record)` its version or revision number; `authors(record)` the user ids of
those who wrote it (segregation of duties keeps them from approving it); `signers(record)` a queryset
of the users who may sign it, named when someone is refused; `role(record, user)` optionally says in
which capacity a user signs (by default their role)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Signable:
    model: type[Model]
    content: Callable[[Any], Any]
    version: Callable[[Any], int]
    authors: Callable[[Any], set[int]]
    signers: Callable[[Any], QuerySet]
    label: str
    role: Callable[[Any, Any], str] | None = None


_SIGNABLE: dict[type[Model], Signable] = {}


def register(model: type[Model], *, content, version, authors, signers, label: str, role=None) -> None:
    if model in _SIGNABLE:
        raise ImproperlyConfigured(f"{model.__name__} is registered for signatures twice.")
    _SIGNABLE[model] = Signable(model, content, version, authors, signers, label, role)


def signable(record_or_model) -> Signable:
    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    try:
        return _SIGNABLE[model._meta.concrete_model]
    except KeyError:
        raise ImproperlyConfigured(f"{model.__name__} is not registered for signatures.") from None
