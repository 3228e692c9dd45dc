"""Signals other apps listen to, so that they can follow training without this app importing them."""

from django.dispatch import Signal

#: Sent once a completion (attended, with a completion date) has committed: `enrolment_id`. Development
#: plans close the action the enrolment came from.
enrolment_completed = Signal()
