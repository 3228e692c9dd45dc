from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    HR = "hr", "HR manager"
    QUALITY = "quality", "Quality manager"
    LEADER = "leader", "Leader"
    AUDITOR = "auditor", "Auditor"


def normalise_email(email: str) -> str:
    """Email addresses are the login; they are compared and stored in lower case."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=normalise_email(email), **fields)
        user.set_password(password)  # None gives an unusable password: the person sets one from an invitation
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("role", Role.HR)
        if fields["role"] == Role.AUDITOR:
            raise ValueError("An auditor cannot also be an administrator.")
        if fields["role"] != Role.HR:
            raise ValueError("Only HR managers may be administrators.")
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email=normalise_email(email))


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEADER)
    is_active = models.BooleanField(default=True, help_text="Inactive accounts cannot sign in.")
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    access_valid_from = models.DateTimeField(
        null=True, blank=True, help_text="Auditors: the first moment this account may sign in."
    )
    access_valid_until = models.DateTimeField(
        null=True, blank=True, help_text="Auditors: the account stops working after this moment."
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        indexes = [
            # Lists of people and accounts are sorted by name: the index gives that order without a sort.
            models.Index(fields=["last_name", "first_name", "id"], name="user_name_order"),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(role=Role.AUDITOR) | models.Q(access_valid_until__isnull=False),
                name="auditor_has_access_end",
                violation_error_message="An auditor account needs the date its access ends.",
            ),
            models.CheckConstraint(
                condition=models.Q(role=Role.HR) | models.Q(is_staff=False, is_superuser=False),
                name="only_hr_administers",
                violation_error_message="Only HR managers may use the Django admin.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalise_email(self.email)
        if self.role == Role.AUDITOR:
            if not self.access_valid_until:
                raise ValidationError({"access_valid_until": "An auditor account needs the date its access ends."})
            if self.is_staff or self.is_superuser:
                raise ValidationError({"role": "An auditor cannot also be an administrator."})
        if (self.is_staff or self.is_superuser) and self.role != Role.HR:
            # The admin can change everything; only HR managers administer Proficio.
            raise ValidationError({"is_staff": "Only HR managers may use the Django admin."})
        if self.access_valid_from and self.access_valid_until and self.access_valid_from >= self.access_valid_until:
            raise ValidationError({"access_valid_until": "Access must end after it starts."})

    def save(self, *args, **kwargs) -> None:
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_plain_leader(self) -> bool:
        """A leader's account and nothing more: the only kind an import or a person's page may link,
        rename, re-email or deactivate. Every other account changes only on HR's account pages."""
        return is_plain_leader(self.role, self.is_staff, self.is_superuser)

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def is_hr(self) -> bool:
        return self.role == Role.HR

    @property
    def is_quality(self) -> bool:
        return self.role == Role.QUALITY

    def access_window_open(self, at: datetime | None = None) -> bool:
        """Whether the account may be used now. Only auditors have a window; others are always inside."""
        at = at or timezone.now()
        if self.access_valid_from and at < self.access_valid_from:
            return False
        if self.access_valid_until and at >= self.access_valid_until:
            return False
        return True


def is_plain_leader(role: str, is_staff: bool, is_superuser: bool) -> bool:
    """`User.is_plain_leader` from the values alone, for rows read without their model (imports)."""
    return role == Role.LEADER and not is_staff and not is_superuser


def describe_role(user) -> str:
    """How an account is named in refusals: "an HR manager account", "an administrator account"."""
    if user.is_superuser or user.is_staff:
        return "an administrator account"
    label = Role(user.role).label
    if not label.split()[0].isupper():  # "HR manager" keeps its capitals, "Quality manager" does not
        label = label[0].lower() + label[1:]
    article = "an" if label[0] in "aeiouAEIOU" or label.startswith("HR") else "a"
    return f"{article} {label} account"


class Invitation(models.Model):
    """An email inviting a new account to choose its password. Recorded before it is sent and marked
    when it is, so a task that runs again (a retry, a redelivery) sends only what is still unsent."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="invitation_user_latest")]

    def __str__(self) -> str:
        return f"Invitation to {self.user.email}"


#: Roles the organisation may require two-factor sign-in for: those who read or change everyone's records.
TWO_FACTOR_ROLES = frozenset({Role.HR, Role.QUALITY, Role.AUDITOR})


#: Sign-out after inactivity (ASVS 3.3.2 asks for at most 30 minutes at level 2): the default, and the
#: bounds HR may choose within. Shorter than 5 minutes would sign people out while they read a page; a
#: session ends 12 hours after sign-in anyway (SESSION_COOKIE_AGE).
IDLE_MINUTES_DEFAULT = 30
IDLE_MINUTES_MIN = 5
IDLE_MINUTES_MAX = 720
IDLE_MINUTES_TOO_SHORT = (f"At least {IDLE_MINUTES_MIN} minutes: a shorter limit would sign people out while "
                          "they read a page.")
IDLE_MINUTES_TOO_LONG = (f"At most {IDLE_MINUTES_MAX} minutes (12 hours): every session ends 12 hours after "
                         "sign-in anyway.")


class SecurityPolicy(models.Model):
    """The organisation's sign-in policy: one row (pk 1), changed by HR on the security page, with history."""

    require_two_factor = models.BooleanField(
        "Require two-factor sign-in for HR, quality and auditor accounts", default=False,
        help_text="Those accounts set up an authenticator app at their next sign-in and can open nothing "
                  "else until they have. Leaders are not affected.",
    )
    idle_minutes = models.PositiveSmallIntegerField(
        "Sign out after this many minutes without activity", default=IDLE_MINUTES_DEFAULT,
        validators=[MinValueValidator(IDLE_MINUTES_MIN, IDLE_MINUTES_TOO_SHORT),
                    MaxValueValidator(IDLE_MINUTES_MAX, IDLE_MINUTES_TOO_LONG)],
        help_text="A session that sends nothing for this long is signed out; its next page asks for the "
                  "password again. Every session also ends 12 hours after sign-in, however active.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "security policy"
        verbose_name_plural = "security policy"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="security_policy_singleton"),
            models.CheckConstraint(
                condition=models.Q(idle_minutes__gte=IDLE_MINUTES_MIN, idle_minutes__lte=IDLE_MINUTES_MAX),
                name="security_policy_idle_minutes_range",
                violation_error_message=f"Sign-out after inactivity must be {IDLE_MINUTES_MIN} to "
                                        f"{IDLE_MINUTES_MAX} minutes.",
            ),
        ]

    def __str__(self) -> str:
        return "Security policy"

    @classmethod
    def current(cls) -> SecurityPolicy:
        """The policy as stored, or the default (nothing required) before HR has ever saved it."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def requires_two_factor_for(self, user) -> bool:
        return self.require_two_factor and user.role in TWO_FACTOR_ROLES


class UserSession(models.Model):
    """A signed-in session of a user, so that they (and HR) can see and end it. Written at sign-in,
    refreshed at most once a minute by `SessionActivityMiddleware`; it goes with its Django session
    (ending a session deletes that, and signing out or expiry clean-up deletes this row with it)."""

    session = models.OneToOneField("sessions.Session", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    user_agent = models.CharField(max_length=400, blank=True)
    ip_address = models.CharField(max_length=45, blank=True)
    signed_in_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="usersession_user_latest")]

    def __str__(self) -> str:
        return f"Session of {self.user} from {self.ip_address or 'an unknown address'}"

    @property
    def browser(self) -> str:
        return describe_user_agent(self.user_agent)


def describe_user_agent(user_agent: str) -> str:
    """"Firefox on Windows" from a user agent string; good enough to recognise one's own devices."""
    agent = user_agent or ""
    browsers = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
                ("Chrome/", "Chrome"), ("Safari/", "Safari"))
    systems = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
               ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
    browser = next((name for marker, name in browsers if marker in agent), "")
    system = next((name for marker, name in systems if marker in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"
