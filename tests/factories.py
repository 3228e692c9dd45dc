"""factory_boy factories for the suite's test data."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Role, User
from profiles.models import OrgUnit, Person

TEST_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.LEADER
    password = factory.django.Password(TEST_PASSWORD)

    class Params:
        auditor = factory.Trait(
            role=Role.AUDITOR,
            access_valid_from=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)),
            access_valid_until=factory.LazyFunction(lambda: timezone.now() + timedelta(days=14)),
        )


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"Unit {n}")
    code = factory.Sequence(lambda n: f"U{n:03d}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    employee_id = factory.Sequence(lambda n: f"T{n:05d}")
    org_unit = factory.SubFactory(OrgUnitFactory)
