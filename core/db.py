"""Database helpers the services share."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator
from itertools import count
from zlib import crc32

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Func, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def save_unique(obj, field: str, message: str) -> None:
    """Saves `obj`; if a concurrent request took the same unique value between the check in
    full_clean() and this insert, the database refuses it and the user gets `message` on the field."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError({field: message}) from None


def queue_after_commit(task: str, *args) -> None:
    """Queues the Celery task at dotted path `task` (e.g. "accounts.tasks.send_invitations") once the
    current transaction commits, so that the worker finds what it wrote. Services name their tasks
    by path because tasks import services, not the other way round.

    Through the transactional outbox (core/outbox.py): the task is written in this transaction and sent
    after the commit, or later if the task queue (Redis) is down then; `args` must be JSON (ids)."""
    from .outbox import queue

    queue(task, *args)


def count_of(queryset: QuerySet, group: str) -> Coalesce:
    """How many rows of `queryset` (filtered on an OuterRef) there are, as a correlated subquery, 0 for
    none. Two counts annotated over joins would multiply each other's rows; subqueries do not."""
    return Coalesce(Subquery(queryset.order_by().values(group).annotate(n=Count("pk")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


def rows_in(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of `queryset` (filtered on OuterRefs) as a correlated subquery, 0 for none: COUNT as a plain
    function, so no GROUP BY is added and the subquery yields one row. Unlike `count_of` it needs no column to
    group by (gap rows have a composite key)."""
    counted = queryset.order_by().annotate(n=Func(Value(1), function="COUNT", output_field=IntegerField()))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), Value(0))


def first_free(first: str, variant: Callable[[int], str], taken: Container[str],
               key: Callable[[str], str] = str) -> str:
    """`first`, or else the first of `variant(2)`, `variant(3)`, … whose `key` is not `taken`: a name or
    code for a unique column that does not clash with those already there."""
    return next(candidate for candidate in _numbered(first, variant) if key(candidate) not in taken)


def _numbered(first: str, variant: Callable[[int], str]) -> Iterator[str]:
    yield first
    for number in count(2):
        yield variant(number)


def advisory_lock(name: str) -> None:
    """Holds the lock called `name` until the current transaction ends, so that transactions that
    change one graph (managers, org units) take turns and two changes that are each fine cannot
    together close a loop.

    PostgreSQL: a transaction-level advisory lock. SQLite needs none: its transactions take the
    database's write lock when they begin (settings: transaction_mode IMMEDIATE).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_lock() only works inside a transaction.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [crc32(name.encode())])


def read_snapshot(view):
    """Runs a view that only reads in one snapshot of the database (PostgreSQL: a REPEATABLE READ, READ
    ONLY transaction), so that rows another transaction replaces while the page is built cannot go
    missing half-way through it: every query of the page sees the data as it stood at the first.
    Inside a transaction already (tests), and on SQLite (whose single writer runs in-process), the
    view runs as it is."""
    from functools import wraps

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return view(request, *args, **kwargs)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return view(request, *args, **kwargs)

    return wrapped
