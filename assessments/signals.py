"""Signals other apps listen to, so that they can follow a cycle without this app importing them."""

from django.dispatch import Signal

#: Sent once a release has committed: `cycle_id`, `release_number`. Gap analysis starts from it.
results_released = Signal()
