from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from demo.seed import DEMO_DOMAIN, seed_demo_organisation
from demo.seed_ratings import seed_bench_ratings


class Command(BaseCommand):
    help = "Build the demo organisation (idempotent) and print its logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--leaders", type=int, default=30, help="How many leaders to create (default 30).")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off. Demo accounts share a published password: never on a real system.",
        )
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")
        parser.add_argument("--with-ratings", action="store_true",
                            help="Also build the benchmark's ratings: a 40-competency framework and a closed cycle "
                                 "rating every leader by about eight people (demo/seed_ratings.py).")

    def handle(self, *args, leaders: int, allow_production: bool, quiet_logins: bool, with_ratings: bool,
               **options) -> None:
        if leaders < 0:
            raise CommandError("--leaders must be zero or more.")
        if not settings.DEBUG and not allow_production:
            raise CommandError("Refusing to create demo accounts with DEBUG off (they share a published password).")
        outsiders = User.objects.exclude(email__endswith=f"@{DEMO_DOMAIN}").count()
        if outsiders and not allow_production:
            self.stdout.write(self.style.WARNING(
                f"Demo data skipped: this database has {outsiders} account(s) outside the demo organisation, "
                "so it may hold real people. Run with --allow-production to add the demo accounts anyway."
            ))
            return
        started = time.perf_counter()
        report = seed_demo_organisation(leaders=leaders)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Demo organisation ready in {elapsed:.1f} s: {report.created_users} users and "
            f"{report.created_people} people created, {report.updated_managers} reporting lines set."
        )
        for line in report.cycles:
            self.stdout.write(line)
        for line in report.training:
            self.stdout.write(line)
        for line in report.plans:
            self.stdout.write(line)
        for line in report.awareness:
            self.stdout.write(line)
        if with_ratings:
            started = time.perf_counter()
            for line in seed_bench_ratings(leaders).lines():
                self.stdout.write(f"{line} in {time.perf_counter() - started:.1f} s")
        if not quiet_logins:
            self.stdout.write(self.style.SUCCESS("\nDemo logins (password for all: proficio-demo)"))
            for label, email, _password in report.logins:
                self.stdout.write(f"  {label:<42} {email}")
