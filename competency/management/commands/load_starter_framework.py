from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from competency.starter import load_starter_framework


class Command(BaseCommand):
    help = 'Create and publish the "ISO 9001 Leadership" starter framework (does nothing if it exists).'

    def add_arguments(self, parser) -> None:
        parser.add_argument("--owner", help="Email of the HR or quality manager who owns and approves it.")

    def handle(self, *args, owner: str | None, **options) -> None:
        users = User.objects.filter(role__in=[Role.HR, Role.QUALITY], is_active=True).order_by("pk")
        user = users.filter(email=owner.strip().lower()).first() if owner else users.first()
        if user is None:
            raise CommandError(
                "No active HR or quality manager found to own the framework"
                + (f" with the email {owner}." if owner else "; create one first (manage.py createsuperuser).")
            )
        version, created = load_starter_framework(owner=user)
        if created:
            self.stdout.write(f"Published {version} with {version.competencies.count()} competencies, owned by {user}.")
        else:
            self.stdout.write(f"{version.framework.name} is already there ({version}); nothing changed.")
