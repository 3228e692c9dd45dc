"""A released cycle starts its gap analysis by itself."""

from django.dispatch import receiver

from assessments.signals import results_released


@receiver(results_released, dispatch_uid="gaps.analyse_released_cycle")
def analyse_released_cycle(sender, cycle_id: int, release_number: int, **kwargs) -> None:
    from .services import analyse_release

    analyse_release(cycle_id)
