"""Settings for the test suite: fast hashing, emails kept in memory, tasks in-process by default.

Tests that must prove the real path (a Celery worker on Redis) switch it on with the
`celery_worker` fixture in tests/conftest.py.
"""

import os
import secrets
import sys
import tempfile

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
#: One name per test run, chosen by the first process that loads these settings (pytest's controller) and
#: passed through the environment to its pytest-xdist processes and the Celery workers they start. It is in
#: the test database's name, the Celery queues and the media folders, so two runs on one PostgreSQL and one
#: Redis (two `make test` at once, two CI jobs on one machine) never share a database or take each other's
#: tasks. Set PROFICIO_TEST_RUN to choose it (e.g. to keep one database with --reuse-db).
TEST_RUN = os.environ.setdefault("PROFICIO_TEST_RUN", f"r{secrets.token_hex(3)}")
#: Whether this process made the run's folder (then tests/conftest.py removes it when the run ends).
TEST_TMP_CREATED = "PROFICIO_TEST_TMP" not in os.environ and not (
    "MEDIA_ROOT" in os.environ and "PRIVATE_MEDIA_ROOT" in os.environ)
# Set in the environment so that the xdist processes and the Celery workers the tests start share the folders.
if "MEDIA_ROOT" not in os.environ or "PRIVATE_MEDIA_ROOT" not in os.environ:
    os.environ.setdefault("PROFICIO_TEST_TMP", tempfile.mkdtemp(prefix=f"proficio-test-{TEST_RUN}-"))
    os.environ.setdefault("MEDIA_ROOT", os.path.join(os.environ["PROFICIO_TEST_TMP"], "media"))
    os.environ.setdefault("PRIVATE_MEDIA_ROOT", os.path.join(os.environ["PROFICIO_TEST_TMP"], "private"))
    os.makedirs(os.environ["MEDIA_ROOT"], exist_ok=True)
    os.makedirs(os.environ["PRIVATE_MEDIA_ROOT"], exist_ok=True)

from .settings import *  # noqa: E402,F403
from .settings import DATABASES, STORAGES  # noqa: E402

# Decided by the controller, whose command line it is, for its pytest-xdist processes too.
REUSE_TEST_DB = os.environ.setdefault("PROFICIO_TEST_REUSE_DB", "1" if "--reuse-db" in sys.argv else "0") == "1"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not REUSE_TEST_DB:
    # pytest-django adds the xdist process (test_proficio_r1a2b3c_gw0) and drops the database at the end.
    # With --reuse-db it keeps its usual name (test_proficio), to be found again by the next run; SQLite's test
    # database stays in memory, private to its process.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_{DATABASES['default']['NAME']}_{TEST_RUN}"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Each pytest-xdist process gets its own queue, so its worker never picks up another process's tasks
# (which would look in another test database).
# The run's name keeps another run's processes (same names gw0, gw1) off them too.
CELERY_TASK_DEFAULT_QUEUE = f"proficio-test-{TEST_RUN}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
PDF_QUEUE = f"pdf-test-{TEST_RUN}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
CELERY_TASK_ROUTES = {"documents.tasks.*": {"queue": PDF_QUEUE}}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# The test runner turns DEBUG off; the live server still serves assets from the packages, as in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Each test process keeps its own cache: tests clear it, and clearing a Redis cache would also empty
# the Celery queues that share the Redis database.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
