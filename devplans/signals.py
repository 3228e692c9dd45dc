"""Development plans follow training and gap analysis: a completed training closes its action, a released
cycle at the target level meets the objective (both in `services.progress`, both safe to run twice)."""

from django.dispatch import receiver

from gaps.signals import analysis_finished
from training.signals import enrolment_completed


@receiver(enrolment_completed, dispatch_uid="devplans.complete_from_training")
def action_done_through_training(sender, enrolment_id: int, **kwargs) -> None:
    from .services.progress import complete_from_training

    complete_from_training(enrolment_id)


@receiver(analysis_finished, dispatch_uid="devplans.meet_from_analysis")
def objectives_met_in_cycle(sender, analysis_id: int, **kwargs) -> None:
    from .services.progress import meet_from_analysis

    meet_from_analysis(analysis_id)
