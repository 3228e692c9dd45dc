"""Training pages: enrolments (being written)."""

urlpatterns: list = []
