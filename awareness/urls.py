app_name = "awareness"

urlpatterns: list = []
# Each part adds its patterns below, one line each:
from .views_review import urlpatterns as _review  # noqa: E402

urlpatterns += _review
from .views_statements import urlpatterns as _statements; urlpatterns += _statements  # noqa: E402  (A1)
