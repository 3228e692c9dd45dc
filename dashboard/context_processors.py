"""What every page's shell needs: the navigation a user may use, the version in the footer, and the
status enums, so that templates compare statuses by name (VersionStatus.DRAFT), never by string."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from accounts.models import Role
from accounts.permissions import can
from competency.models import CommentStatus, VersionStatus
from config import __version__
from profiles.models import ImportStatus, ProfileStatus
from profiles.rules import manages_anyone, person_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    action: str
    #: Shown to leaders only (e.g. "My questionnaires": HR, quality and auditors are rarely raters and
    #: reach theirs from the emailed links, without another query on every page).
    leaders_only: bool = False
    #: Shown to leaders with reports only (a manager's pages).
    managers_only: bool = False
    #: Not shown to leaders (their own entry leads to the same pages, e.g. "My plan" beside "Plans").
    hidden_from_leaders: bool = False
    #: Shown to these roles only, when set (HR's bar is full: HR reaches the evidence pages from its home page).
    roles: frozenset = frozenset()

    @property
    def url(self) -> str:
        return reverse(self.url_name)


#: The main navigation; each entry shows only to users its permission rule admits.
NAVIGATION: list[NavItem] = [
    NavItem("Home", "dashboard:home", "fa-house", "dashboard.view"),
    NavItem("Frameworks", "competency:framework_list", "fa-sitemap", "framework.browse"),
    NavItem("Role profiles", "profiles:profile_list", "fa-id-card", "profile.browse"),
    NavItem("People", "profiles:person_list", "fa-users", "person.browse"),
    NavItem("Organisation", "profiles:orgunit_tree", "fa-building", "orgunit.browse"),
    NavItem("360° cycles", "assessments:cycle_list", "fa-arrows-rotate", "cycle.browse"),
    NavItem("Gaps", "gaps:heatmap", "fa-chart-column", "analysis.browse"),
    NavItem("Training", "training:programme_list", "fa-graduation-cap", "programme.browse"),
    NavItem("Plans", "devplans:plan_list", "fa-route", "plan.browse", hidden_from_leaders=True),
    NavItem("Evidence", "evidence:landing", "fa-file-shield", "sampling.browse",
            roles=frozenset({Role.AUDITOR, Role.QUALITY})),
    NavItem("Questionnaires", "assessments:my_questionnaires", "fa-list-check", "questionnaire.browse", leaders_only=True),
    NavItem("My gaps", "gaps:mine", "fa-bullseye", "gaps.mine", leaders_only=True),
    NavItem("My plan", "devplans:mine", "fa-route", "plan.draft", leaders_only=True),
    NavItem("My team", "gaps:team", "fa-people-group", "gaps.team", managers_only=True),
    NavItem("Accounts", "accounts:account_list", "fa-user-shield", "account.browse"),
]
STATUSES = {"VersionStatus": VersionStatus, "CommentStatus": CommentStatus, "ProfileStatus": ProfileStatus,
            "ImportStatus": ImportStatus}


def shell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    items = []
    is_manager = acknowledges = False
    if user is not None and user.is_authenticated:
        is_manager = user.role == Role.LEADER and manages_anyone(user)
        # The manager's bar is full at 1280 px: a leader's acknowledgements are in the user menu. Leaders only, whose
        # person `manages_anyone` has just read (no query more); HR and quality accounts acknowledge nothing.
        acknowledges = user.role == Role.LEADER and person_of(user) is not None
        path = request.path
        for item in NAVIGATION:
            if (item.managers_only and not is_manager) or (item.hidden_from_leaders and user.role == Role.LEADER) or (
                    item.roles and user.role not in item.roles):
                continue
            if (not item.leaders_only or user.role == Role.LEADER) and can(user, item.action):
                items.append({"label": item.label, "url": item.url, "icon": item.icon, "active": False})
        # The active entry is the one whose address is the longest start of this page's path, so that
        # /assessments/mine/ marks "My questionnaires", not "360° cycles" (/assessments/).
        matches = [entry for entry in items if path == entry["url"] or (entry["url"] != "/" and path.startswith(entry["url"]))]
        if matches:
            max(matches, key=lambda entry: len(entry["url"]))["active"] = True
    return {"nav_items": items, "proficio_version": __version__, "user_is_manager": is_manager,
            "user_acknowledges": acknowledges, **STATUSES}
