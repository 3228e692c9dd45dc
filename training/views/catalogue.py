"""Training pages: catalogue (being written)."""

urlpatterns: list = []
