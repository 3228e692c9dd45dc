"""Training pages: evidence (being written)."""

urlpatterns: list = []
