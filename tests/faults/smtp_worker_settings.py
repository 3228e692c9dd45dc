"""Settings of a fault test's Celery worker that sends its emails over SMTP to the test's own mail server
(FAULT_SMTP_PORT), so the test can count what arrived: the test settings keep emails in the worker's memory."""

import os

from config.settings_test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["FAULT_SMTP_PORT"])
EMAIL_USE_TLS = False
EMAIL_TIMEOUT = 30
