"""What an approval signature of a role profile covers: its name, framework version, requirements,
expected behaviours and performance indicators. Any change to them sends the profile back to draft
and shows its signature as superseded."""

from __future__ import annotations

from competency.signing import managing_users
from signatures import registry

from .models import RoleProfile


def profile_content(profile: RoleProfile) -> dict:
    return {
        "name": profile.name, "code": profile.code, "description": profile.description,
        "framework_version": profile.framework_version_id,
        "requirements": [
            [requirement.competency.code, requirement.required_level, requirement.weight, requirement.critical]
            for requirement in profile.requirements.select_related("competency").order_by("competency__code")
        ],
        "behaviours": [[behaviour.competency.code, behaviour.text]
                       for behaviour in profile.behaviours.select_related("competency").order_by("position", "pk")],
        "kpis": [[kpi.name, kpi.target_text, kpi.how_measured] for kpi in profile.kpis.order_by("position", "pk")],
    }


registry.register(RoleProfile, content=profile_content, version=lambda profile: profile.revision,
                  authors=lambda profile: {profile.created_by_id}, signers=lambda profile: managing_users(),
                  label="role profile")
