"""Free values for unique columns."""

from __future__ import annotations

from core.db import first_free


def test_the_wanted_value_when_it_is_free():
    assert first_free("Leadership", lambda n: f"Leadership ({n})", {"Other"}) == "Leadership"


def test_the_first_numbered_variant_that_is_free():
    taken = {"Leadership", "Leadership (2)", "Leadership (3)"}
    assert first_free("Leadership", lambda n: f"Leadership ({n})", taken) == "Leadership (4)"


def test_taken_values_compared_through_the_key():
    assert first_free("Leadership", lambda n: f"Leadership ({n})", {"leadership"}, key=str.lower) == "Leadership (2)"
