"""A released cycle starts its gap analysis by itself; a finished analysis tells the apps below."""

from django.dispatch import Signal, receiver

from assessments.signals import results_released

#: Sent once an analysis has become its cycle's current one and committed: `analysis_id`. Development
#: plans meet the objectives the cycle shows at their target level.
analysis_finished = Signal()


@receiver(results_released, dispatch_uid="gaps.analyse_released_cycle")
def analyse_released_cycle(sender, cycle_id: int, release_number: int, **kwargs) -> None:
    from .services import analyse_release

    analyse_release(cycle_id)
