"""Who reads and runs gap analyses.

The organisation's analyses (the runs, heatmaps, top gaps, trends and their exports) are read by HR,
quality and auditors; HR and quality run them. A leader's own gaps are read by exactly those who may
read that leader's released results (`participant.results`: the leader, their manager, HR, quality,
auditors, never an anonymous rater of theirs), because they are made of those results. Lists of
leaders (a heatmap cell's leaders, a manager's team grid) show only the leaders whose results the
reader may open.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.permissions import Denied, RuleResult, is_reader, managing_only, rule, scope, visible
from assessments.models import Participant


@rule("analysis.browse", "analysis.view")
def _readers(user, obj=None) -> RuleResult:
    if is_reader(user):
        return True
    return Denied("The organisation's gap analyses are read by HR, quality and auditors. "
                  "Your own gaps are under “My gaps”.")


@rule("analysis.run", "analysis.retry")
def _managing(user, obj=None) -> RuleResult:
    return managing_only(user)


@rule("gaps.mine", "gaps.team")
def _signed_in(user, obj=None) -> RuleResult:
    return True  # what the page lists is narrowed to the reader's own and their reports' results


@scope("leadergap")
def _visible_leader_gaps(user, queryset: QuerySet) -> QuerySet:
    if is_reader(user):
        return queryset
    return queryset.filter(participant__in=visible(user, "participant", Participant.objects.all()).values("pk"))
