"""What every page's shell needs: the navigation a user may use and the version in the footer."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from accounts.models import Role
from accounts.permissions import can, manages_anyone
from config import __version__


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    action: str

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
]


def shell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    items = []
    is_manager = False
    if user is not None and user.is_authenticated:
        is_manager = user.role == Role.LEADER and manages_anyone(user)
        path = request.path
        for item in NAVIGATION:
            if can(user, item.action):
                url = item.url
                active = path == url if url == "/" else path.startswith(url)
                items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return {"nav_items": items, "proficio_version": __version__, "user_is_manager": is_manager}
