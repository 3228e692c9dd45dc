"""What an approval signature of a framework version covers: its scale, areas, competencies (with
their ISO clauses) and indicators, as they stand. Approval freezes that content, so the signature of
a version stays valid unless something changes it around the services."""

from __future__ import annotations

from accounts.models import Role, User
from signatures import registry

from .models import FrameworkVersion


def version_content(version: FrameworkVersion) -> dict:
    scale = version.framework.scale
    return {
        "framework": {"code": version.framework.code, "name": version.framework.name, "uuid": version.framework.uuid},
        "version": version.number,
        "scale": {"name": scale.name, "levels": list(scale.levels.order_by("value").values_list("value", "name"))},
        "areas": [
            {"uuid": area.uuid, "code": area.code, "name": area.name, "description": area.description,
             "position": area.position}
            for area in version.areas.order_by("position", "pk")
        ],
        "competencies": [
            {"uuid": competency.uuid, "code": competency.code, "name": competency.name,
             "description": competency.description, "area": competency.area.code, "position": competency.position,
             "parent": competency.parent.code if competency.parent_id else None,
             "clauses": sorted(clause.number for clause in competency.clauses.all()),
             "indicators": [[indicator.level, indicator.text] for indicator in competency.indicators.all()]}
            for competency in version.competencies.select_related("area", "parent")
            .prefetch_related("clauses", "indicators").order_by("area__position", "position", "pk")
        ],
    }


def managing_users():
    return User.objects.filter(role__in=[Role.HR, Role.QUALITY])


registry.register(FrameworkVersion, content=version_content, version=lambda version: version.number,
                  authors=lambda version: {version.created_by_id}, signers=lambda version: managing_users(),
                  label="framework version")
