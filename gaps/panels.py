"""Panels that apps below gaps add to a leader's gaps page (training's recommended programmes), so that
gaps shows them without naming those apps: an app registers a function in its AppConfig.ready(); the
page calls each with the request and the leader's gaps and includes what it returns."""

from __future__ import annotations

from collections.abc import Callable

#: A panel: (request, LeaderGaps) -> (template name, context) to include, or None to show nothing.
Panel = Callable[..., tuple[str, dict] | None]
_PANELS: list[Panel] = []


def register(panel: Panel) -> Panel:
    if panel not in _PANELS:
        _PANELS.append(panel)
    return panel


def panels_for(request, gaps) -> list[tuple[str, dict]]:
    return [found for panel in _PANELS if (found := panel(request, gaps)) is not None]
