import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("proficio")
# Every CELERY_* Django setting configures the app; see config/settings.py.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="proficio.ping")
def ping() -> dict:
    """Answers with the process it ran in and what it sees in the database (health checks, tests)."""
    import socket

    from django.contrib.auth import get_user_model

    return {"pid": os.getpid(), "host": socket.gethostname(), "users": get_user_model().objects.count()}
