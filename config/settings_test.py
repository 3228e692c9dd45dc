"""Settings for the test suite: fast hashing, emails kept in memory, tasks in-process by default.

Tests that must prove the real path (a Celery worker on Redis) switch it on with the
`celery_worker` fixture in tests/conftest.py.
"""

import os
import secrets
import tempfile

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
# Set in the environment so that a Celery worker started by the tests shares the folder.
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="proficio-test-media-"))
os.environ.setdefault("PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="proficio-test-private-"))

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Each pytest-xdist process gets its own queue, so its worker never picks up another process's tasks
# (which would look in another test database).
CELERY_TASK_DEFAULT_QUEUE = f"proficio-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
PDF_QUEUE = f"pdf-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
CELERY_TASK_ROUTES = {"documents.tasks.*": {"queue": PDF_QUEUE}}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# The test runner turns DEBUG off; the live server still serves assets from the packages, as in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Each test process keeps its own cache: tests clear it, and clearing a Redis cache would also empty
# the Celery queues that share the Redis database.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
