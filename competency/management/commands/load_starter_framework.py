from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from accounts.models import Role, User
from competency.starter import load_starter_framework
from core.emails import absolute_url


class Command(BaseCommand):
    help = ('Create the "ISO 9001 Leadership" starter framework and send it for review, for an HR or quality '
            "manager to approve with their signature on its page (does nothing if it exists).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--owner", help="Email of the HR or quality manager who owns it.")

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
            self.stdout.write(
                f"Created {version} with {version.competencies.count()} competencies, owned by {user}, and sent it for "
                f"review. Approve it with your signature at {absolute_url(reverse('competency:version_approve', args=[version.pk]))}"
                + (" (segregation of duties: someone other than its owner)." if settings.SIGNATURE_SEGREGATION_OF_DUTIES else ".")
            )
        else:
            self.stdout.write(f"{version.framework.name} is already there ({version}); nothing changed.")
