"""The demo organisation's role profiles, written against the starter framework."""

from __future__ import annotations

from decimal import Decimal

from competency.models import Competency, FrameworkVersion
from profiles import services
from profiles.models import ProfileStatus, RoleProfile

# code: (name, description, {competency code: (level, weight, critical)}, KPIs, behaviours)
ROLE_PROFILES: dict[str, tuple[str, str, dict[str, tuple[int, str, bool]], list[tuple], list[tuple[str, str]]]] = {
    "managing-director": (
        "Managing Director",
        "Top management: accountable for the quality management system (ISO 9001 clause 5.1).",
        {"SV-01": (5, "2", True), "SV-02": (4, "1.5", False), "SV-03": (4, "1.5", False), "CA-03": (5, "2", True),
         "RM-01": (4, "1.5", True), "PM-02": (4, "1", False), "QC-01": (5, "2", True), "CF-01": (4, "1", False),
         "CF-02": (4, "1", False), "DD-01": (3, "1", False)},
        [("Quality objectives met on time", ">=", "90", "%", "Management review, yearly"),
         ("Customer satisfaction index", ">=", "8", "of 10", "Annual customer survey")],
        [("QC-01", "Opens management review by reviewing progress on the quality objectives personally."),
         ("SV-01", "Explains the quality policy at every all-hands meeting.")],
    ),
    "operations-director": (
        "Operations Director",
        "Runs production and logistics; owns the operational processes and their improvement.",
        {"PI-01": (4, "2", True), "PI-02": (4, "1.5", False), "PI-04": (4, "1.5", True), "RM-01": (4, "1.5", False),
         "RM-02": (4, "1.5", True), "SV-03": (4, "1", False), "PM-01": (3, "1", False), "PM-02": (4, "1", False),
         "CF-01": (3, "1", False), "DD-01": (4, "1", False)},
        [("On-time delivery", ">=", "97", "%", "ERP delivery report, monthly"),
         ("Scrap rate", "<=", "2", "%", "Production controlling, monthly")],
        [("PI-02", "Runs a monthly kaizen review with the plant managers."),
         ("RM-02", "Signs off every process change with a documented risk assessment.")],
    ),
    "quality-manager": (
        "Quality Manager",
        "Maintains the quality management system, its documents, audits and corrective actions.",
        {"PI-03": (5, "2", True), "PI-04": (5, "2", True), "CA-01": (4, "1.5", True), "CA-02": (5, "2", True),
         "CA-03": (4, "1.5", False), "RM-01": (4, "1", False), "QC-02": (4, "1", False), "PM-01": (3, "1", False),
         "DD-01": (4, "1", False), "DD-02": (3, "1", False)},
        [("Internal audit findings closed on time", ">=", "95", "%", "Audit log, quarterly"),
         ("Customer complaints answered within 5 working days", ">=", "90", "%", "Complaint register, monthly")],
        [("CA-02", "Plans the audit programme from risks and the results of previous audits."),
         ("PI-04", "Checks the effectiveness of every corrective action 90 days after closing it.")],
    ),
    "department-manager": (
        "Department Manager",
        "Leads a department: objectives, people and the processes of the department.",
        {"SV-03": (3, "1", False), "PI-01": (3, "1", False), "PI-03": (3, "1", False), "CA-01": (3, "1", False),
         "RM-01": (3, "1", False), "PM-01": (3, "1.5", True), "PM-02": (3, "1", False), "PM-03": (3, "1", False),
         "QC-01": (3, "1", False), "CF-01": (3, "1", False)},
        [("Team objectives achieved", ">=", "85", "%", "Quarterly objective review")],
        [("PM-01", "Holds a development conversation with each report twice a year.")],
    ),
    "production-team-leader": (
        "Production Team Leader",
        "Leads a shift team on the shop floor.",
        {"PI-01": (3, "1", False), "PI-02": (3, "1.5", False), "PI-03": (3, "1", True), "PI-04": (3, "1", False),
         "RM-01": (2, "1", False), "PM-03": (3, "1", False), "QC-01": (3, "1", True), "QC-02": (3, "1", False),
         "CF-01": (2, "1", False), "DD-01": (2, "1", False)},
        [("Shift OEE", ">=", "80", "%", "MES shift report"), ("5S audit score", ">=", "85", "%", "Monthly 5S audit")],
        [("PI-03", "Uses only the current revision of work instructions and removes obsolete copies."),
         ("QC-02", "Runs a five-minute review of every quality incident at the next shift start.")],
    ),
}


def ensure_role_profiles(*, version: FrameworkVersion, owner, approver, password: str) -> dict[str, RoleProfile]:
    """Creates and approves the demo profiles that do not exist yet."""
    profiles = {p.code: p for p in RoleProfile.objects.filter(code__in=ROLE_PROFILES)}
    competencies = {c.code: c for c in Competency.objects.filter(version=version)}
    for code, (name, description, requirements, kpis, behaviours) in ROLE_PROFILES.items():
        if code in profiles:
            continue
        profile = services.profile_create(name=name, code=code, description=description, framework_version=version,
                                          actor=owner)
        services.requirements_set(profile=profile, requirements=[
            services.RequirementInput(competencies[c], level, Decimal(weight), critical)
            for c, (level, weight, critical) in requirements.items()
        ])
        services.expectations_set(
            profile=profile,
            behaviours=[(competencies[c], text) for c, text in behaviours],
            kpis=[{"name": n, "comparator": cmp, "target": Decimal(t), "unit": u, "how_measured": how}
                  for n, cmp, t, u, how in kpis],
        )
        if profile.status != ProfileStatus.APPROVED:
            services.profile_approve(profile=profile, actor=approver, password=password,
                                     change_note="First revision for the demo organisation.")
        profiles[code] = profile
    return profiles
