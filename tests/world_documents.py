"""The documents app's objects in the shared world (tests/world.py calls add(world) after training).

    results_document          the PDF of `leader`'s released results in "Spring 360", rendered by hr
    released_manager          `manager`'s participation in "Spring 360" (released; no PDF yet)
    manager_results_document  a queued (not yet rendered) PDF of `manager`'s results
"""

from __future__ import annotations


def add(world) -> None:
    from assessments.models import Participant
    from documents import services

    hr = world.user("hr")
    leader = world.objects["released_leader"]
    document = services.request_document("results", leader, user=hr)
    services.render_document(document.pk)  # the task, which on_commit would queue outside a test
    document.refresh_from_db()
    manager = Participant.objects.get(cycle=world.objects["released_cycle"], person=world.people["manager"])
    queued = services.request_document("results", manager, user=hr)
    world.objects.update(results_document=document, released_manager=manager, manager_results_document=queued)
