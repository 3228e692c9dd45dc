"""Helpers the whole suite shares: reading pages, building frameworks and profiles, the interop files."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

from tests.conftest import interop


def text(response) -> str:
    """A page's HTML with entities decoded, so that assertions read as the page reads."""
    return unescape(response.content.decode())


def visible_text(response) -> str:
    """A page's visible text: tags removed, whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def fixture_bytes(name: str) -> bytes:
    return interop(name).read_bytes()


def build_framework(version, areas: int = 2, per_area: int = 3, *, indicators: bool = True, levels: int = 5):
    """Fills a draft with areas × competencies, each with one indicator per level and a clause."""
    from competency import services
    from competency.models import IsoClause

    clause = IsoClause.objects.get(number="7.2")
    for a in range(areas):
        area = services.area_create(version=version, code=f"A{a}", name=f"Area {a}")
        for c in range(per_area):
            competency = services.competency_create(area=area, code=f"A{a}-{c:02d}", name=f"Competency {a}.{c}",
                                                    clauses=[clause])
            if indicators:
                services.indicators_replace(competency=competency, indicators={
                    level: [f"Shows {a}.{c} at level {level}"] for level in range(1, levels + 1)})
    return version


def co_signer(author):
    """Someone other than `author` who may sign what they wrote (segregation of duties): another HR or
    quality manager, created when there is none. Every factory user's password is TEST_PASSWORD."""
    from accounts.models import Role, User
    from tests.factories import UserFactory

    other = (User.objects.filter(role__in=[Role.HR, Role.QUALITY], is_active=True).exclude(pk=author.pk)
             .order_by("-role", "pk").first())
    return other or UserFactory(email=f"signer{author.pk}@example.com", first_name="Sam", last_name="Signer",
                                role=Role.QUALITY if author.role == Role.HR else Role.HR)


def publish(version, actor):
    from django.utils import timezone

    from competency import services

    services.version_submit_for_review(version=version, actor=actor)
    from tests.factories import TEST_PASSWORD

    services.version_approve(version=version, actor=co_signer(actor), password=TEST_PASSWORD, change_note="Approved for use")
    return services.version_publish(version=version, actor=actor, effective_date=timezone.localdate())


def published_framework(actor, *, code: str = "leadership", areas: int = 2, per_area: int = 3, scale=None):
    from competency import services
    from competency.models import ProficiencyScale

    scale = scale or ProficiencyScale.objects.get(name="Proficio 1-5")
    draft = services.framework_create(name=code.title(), code=code, description="", scale=scale, owner=actor)
    build_framework(draft, areas=areas, per_area=per_area, levels=scale.levels.count())
    return publish(draft, actor)


def approved_profile(version, actor, *, code: str = "team-leader", levels: dict[str, int] | None = None,
                     critical: tuple[str, ...] = ()):
    """A role profile requiring `levels` ({competency code: level}; by default level 3 of the first competency)."""
    from profiles import services

    profile = services.profile_create(name=code.replace("-", " ").title(), code=code, description="",
                                      framework_version=version, actor=actor)
    levels = levels or {version.competencies.order_by("code").first().code: 3}
    by_code = {c.code: c for c in version.competencies.all()}
    services.requirements_set(profile=profile, requirements=[
        services.RequirementInput(by_code[code_], level, Decimal(1), code_ in critical) for code_, level in levels.items()
    ])
    from tests.factories import TEST_PASSWORD

    return services.profile_approve(profile=profile, actor=co_signer(actor), password=TEST_PASSWORD, change_note="First")
