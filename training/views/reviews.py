"""Training pages: reviews (being written)."""

urlpatterns: list = []
