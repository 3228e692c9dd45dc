app_name = "evidence"

urlpatterns: list = []
# Each part's views module adds its patterns below, one line each:
from .views_dossier import urlpatterns as _dossier; urlpatterns += _dossier  # noqa: E402,E702  (E1)
from .views_landing import urlpatterns as _landing; urlpatterns += _landing  # noqa: E402,E702  (E3)
from .views_packs import urlpatterns as _packs; urlpatterns += _packs  # noqa: E402,E702  (E2)
