"""People import: creates and updates by employee id, all or nothing, line-numbered errors, idempotent."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from profiles.importers import apply_people_plan, plan_people_import, read_table
from profiles.models import ImportStatus, PeopleImport, Person
from tests.factories import PersonFactory
from tests.helpers import text

pytestmark = pytest.mark.django_db

HEADER = "employee_id,first_name,last_name,email,org_unit,role_profile,manager_email\n"
GOOD = HEADER + (
    "E1,Maria,Jensen,maria@example.com,HQ,team-leader,\n"
    "E2,Jonas,Okafor,jonas@example.com,OPS,Team Leader,maria@example.com\n"
    "E3,Amara,Laurent,amara@example.com,OPS,,jonas@example.com\n"
)




def upload(client, content: str | bytes, name: str = "people.csv", encoding: str = "utf-8"):
    data = content.encode() if isinstance(content, str) else content
    return client.post("/people/import/", {"file": SimpleUploadedFile(name, data), "encoding": encoding})


def import_confirmed(client, content: str, capture_on_commit) -> PeopleImport:
    """Uploads `content` as the test's first file, confirms it and runs the import (its task runs on
    commit); the import as it ends."""
    upload(client, content)
    job = PeopleImport.objects.get()  # the first upload of the test
    with capture_on_commit(execute=True):
        client.post(f"/people/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    return job


def run_import(content: str, actor):
    plan = plan_people_import(read_table(content.encode(), "people.csv"))
    return plan, apply_people_plan(plan, actor=actor)


@pytest.fixture
def signed_in(client, hr):
    client.force_login(hr)
    return client


def test_it_creates_people_accounts_and_managers(units, profile, hr):
    plan, result = run_import(GOOD, hr)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    jonas = Person.objects.select_related("user", "manager__user", "role_profile").get(employee_id="E2")
    assert jonas.user.email == "jonas@example.com" and jonas.user.first_name == "Jonas"
    assert jonas.manager.user.email == "maria@example.com"
    assert jonas.role_profile == profile and jonas.org_unit == units["OPS"]
    assert not jonas.user.has_usable_password()
    assert Person.objects.get(employee_id="E3").role_profile is None
    assert len(result.invited_user_ids) == 3


def test_importing_the_same_file_again_reports_and_makes_no_change(units, profile, hr):
    run_import(GOOD, hr)
    before = list(Person.objects.order_by("pk").values())
    history = Person.history.count()
    plan, result = run_import(GOOD, hr)
    assert (len(plan.creates), len(plan.updates), plan.unchanged) == (0, 0, 3)
    assert (result.created, result.updated) == (0, 0)
    assert list(Person.objects.order_by("pk").values()) == before
    assert Person.history.count() == history  # not even a history record


def test_a_changed_row_updates_only_what_changed(units, profile, hr):
    run_import(GOOD, hr)
    changed = GOOD.replace("E3,Amara,Laurent,amara@example.com,OPS,,jonas@example.com",
                           "E3,Amara,Laurent-Novak,amara@example.com,HQ,team-leader,maria@example.com")
    plan, _ = run_import(changed, hr)
    assert [(c.row.employee_id, c.details) for c in plan.updates] == [
        ("E3", ["last name: Laurent → Laurent-Novak", "org unit: Operations (OPS) → Head office (HQ)",
                "role profile: — → Team Leader", "manager: Jonas Okafor → Maria Jensen"])]
    amara = Person.objects.select_related("user", "manager__user").get(employee_id="E3")
    assert amara.user.last_name == "Laurent-Novak" and amara.manager.employee_id == "E1"


def test_a_missing_row_never_deactivates_but_an_explicit_no_does(units, profile, hr):
    run_import(GOOD, hr)
    run_import(HEADER + "E1,Maria,Jensen,maria@example.com,HQ,team-leader,\n", hr)
    assert Person.objects.filter(active=True).count() == 3
    plan, _ = run_import(HEADER.rstrip("\n") + ",active\n" + "E3,Amara,Laurent,amara@example.com,OPS,,jonas@example.com,no\n", hr)
    assert [c.changed for c in plan.updates] == [["active"]]
    amara = Person.objects.select_related("user").get(employee_id="E3")
    assert not amara.active and not amara.user.is_active  # switched off by the file: no more sign-in


def test_the_new_accounts_get_an_invitation_that_lets_them_choose_a_password(signed_in, client, units, profile,
                                                                           django_capture_on_commit_callbacks):
    job = import_confirmed(signed_in, GOOD, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE and job.summary == {"created": 3, "updated": 0, "unchanged": 0, "invited": 3}
    assert sorted(m.to[0] for m in mail.outbox) == ["amara@example.com", "jonas@example.com", "maria@example.com"]
    body = next(m.body for m in mail.outbox if m.to == ["maria@example.com"])
    assert "within 7 days" in body
    link = next(line for line in body.splitlines() if "/accounts/invitation/" in line)
    client.logout()
    page = client.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]), follow=True)
    assert "Welcome to Proficio" in page.content.decode()
    client.post(page.redirect_chain[-1][0], {"new_password1": "my own long passphrase",
                                             "new_password2": "my own long passphrase"})
    assert User.objects.get(email="maria@example.com").check_password("my own long passphrase")


def test_an_invitation_link_expires_after_a_week(units, profile, hr, settings):
    from datetime import datetime

    from accounts.tokens import InvitationTokenGenerator

    run_import(GOOD, hr)
    user = User.objects.get(email="maria@example.com")

    class At(InvitationTokenGenerator):
        def __init__(self, moment):
            super().__init__()
            self.moment = moment

        def _now(self):
            return self.moment

    now = datetime.now()
    checker = InvitationTokenGenerator()
    assert checker.check_token(user, At(now - timedelta(days=6)).make_token(user))
    assert not checker.check_token(user, At(now - timedelta(days=8)).make_token(user))
    from django.contrib.auth.tokens import default_token_generator

    assert not default_token_generator.check_token(user, checker.make_token(user))  # not a reset link


def test_confirming_twice_imports_once(signed_in, units, profile, django_capture_on_commit_callbacks):
    upload(signed_in, GOOD)
    job = PeopleImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(f"/people/imports/{job.pk}/confirm/")
        again = signed_in.post(f"/people/imports/{job.pk}/confirm/", follow=True)
    assert "already confirmed" in text(again)
    assert Person.objects.count() == 3


def test_the_preview_lists_creates_and_updates_before_anything_is_saved(signed_in, units, profile, hr):
    run_import(HEADER + "E1,Maria,Jensen,maria@example.com,HQ,team-leader,\n", hr)
    response = upload(signed_in, GOOD.replace("Maria,Jensen", "Maria,Jensen-Berg"))
    preview = signed_in.get(response.url)
    page = text(preview)
    assert 'data-testid="count-create">2<' in page and 'data-testid="count-update">1<' in page
    assert "last name" in page
    assert Person.objects.count() == 1


def test_an_xlsx_file_imports_like_a_csv(units, profile, hr):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for line in GOOD.strip().splitlines():
        sheet.append([int(c) if c.isdigit() else c for c in line.split(",")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = plan_people_import(read_table(buffer.getvalue(), "people.xlsx"))
    assert len(plan.creates) == 3


BAD_FILES = [
    pytest.param("", "The submitted file is empty.", id="empty file"),
    pytest.param(HEADER, "The file has a header but no people.", id="header only"),
    pytest.param("employee_id,email\nE1,a@example.com\n", "Line 1: the header lacks first_name, last_name, org_unit",
                 id="missing columns"),
    pytest.param(HEADER + "E1,Maria,Jensen,maria@example.com,NOPE,,\n",
                 "Line 2, column “org_unit”: there is no org unit with the code NOPE.", id="unknown org unit"),
    pytest.param(HEADER + "E1,Maria,Jensen,maria@example.com,HQ,astronaut,\n",
                 "Line 2, column “role_profile”: there is no role profile called astronaut.", id="unknown role"),
    pytest.param(HEADER + "E1,Maria,Jensen,maria@example.com,HQ,,boss@example.com\n",
                 "Line 2, column “manager_email”: the manager boss@example.com is neither in the file nor a person in Proficio.",
                 id="unknown manager"),
    pytest.param(HEADER + "E1,Maria,Jensen,maria@example.com,HQ,,jonas@example.com\n"
                          "E2,Jonas,Okafor,jonas@example.com,HQ,,maria@example.com\n",
                 "Line 2, column “manager_email”: these managers manage each other in a loop: E1 → E2 → E1 (lines 2, 3).",
                 id="manager cycle"),
    pytest.param(HEADER + "E1,Maria,Jensen,maria@example.com,HQ,,maria@example.com\n",
                 "Line 2, column “manager_email”: a person cannot be their own manager.", id="own manager"),
    pytest.param(HEADER + "E1,Maria,Jensen,maria@example.com,HQ,,\nE2,Marie,Jensen,MARIA@example.com,HQ,,\n",
                 "Line 3, column “email”: the email maria@example.com is also on line 2.", id="duplicate email"),
    pytest.param(HEADER + "E1,Maria,Jensen,maria@example.com,HQ,,\nE1,Jonas,Okafor,jonas@example.com,HQ,,\n",
                 "Line 3, column “employee_id”: the employee id E1 is also on line 2.", id="duplicate id"),
    pytest.param(HEADER + "E1,Maria,Jensen,maria.example.com,HQ,,\n",
                 "Line 2, column “email”: maria.example.com is not a valid email address.", id="bad email"),
    pytest.param(HEADER + "E1,,Jensen,maria@example.com,HQ,,\n", "Line 2, column “first_name”: the first name is empty.",
                 id="empty name"),
    pytest.param((HEADER + "E1,Zoë,Müller,zoe@example.com,HQ,,\n").encode("cp1252"),
                 "Line 2: byte 0xEB is not valid UTF-8", id="wrong encoding"),
]


@pytest.mark.parametrize("content, message", BAD_FILES)
def test_a_bad_file_names_the_line_and_changes_nothing(signed_in, units, profile, content, message):
    users = User.objects.count()
    response = upload(signed_in, content)
    assert response.status_code == 400
    assert message in text(response)
    assert Person.objects.count() == 0 and User.objects.count() == users
    assert not PeopleImport.objects.exists()


def test_a_loop_through_people_already_in_proficio_is_refused(signed_in, units, profile, hr):
    run_import(GOOD, hr)  # Maria manages Jonas, who manages Amara
    response = upload(signed_in, HEADER + "E1,Maria,Jensen,maria@example.com,HQ,,amara@example.com\n")
    assert response.status_code == 400
    assert "manage each other in a loop: E1 → E3 → E2 → E1" in text(response)
    assert Person.objects.get(employee_id="E1").manager is None


def test_an_email_that_belongs_to_another_employee_is_refused(signed_in, units, profile):
    PersonFactory(employee_id="X9", user__email="maria@example.com")
    response = upload(signed_in, HEADER + "E1,Maria,Jensen,maria@example.com,HQ,,\n")
    assert "maria@example.com already belongs to employee X9" in text(response)


def test_the_file_is_checked_again_at_confirmation(signed_in, units, profile, django_capture_on_commit_callbacks):
    upload(signed_in, GOOD)
    job = PeopleImport.objects.get()
    units["OPS"].code = "OPERATIONS"
    units["OPS"].save()
    page = text(signed_in.get(f"/people/imports/{job.pk}/"))
    assert "there is no org unit with the code OPS" in page
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(f"/people/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and Person.objects.count() == 0


@pytest.mark.services
def test_a_confirmed_import_runs_on_the_celery_worker(client, celery_worker, units, profile, hr):
    import time

    client.force_login(hr)
    upload(client, GOOD)
    job = PeopleImport.objects.get()
    client.post(f"/people/imports/{job.pk}/confirm/")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in {ImportStatus.DONE, ImportStatus.FAILED}:
            break
        time.sleep(0.2)
    assert job.status == ImportStatus.DONE, job.summary
    assert Person.objects.count() == 3


def test_a_new_person_on_an_existing_account_takes_the_file_s_name_so_a_second_import_changes_nothing(units, profile,
                                                                                                       hr):
    from tests.factories import UserFactory

    UserFactory(email="quinn@example.com", first_name="Quentin", last_name="Moss")
    content = HEADER + "Q1,Quinn,Moss,quinn@example.com,HQ,,\n"
    plan, result = run_import(content, hr)
    assert plan.creates[0].details == ["existing account renamed: Quentin Moss → Quinn Moss"]
    assert result.invited_user_ids == []  # the account exists already
    assert User.objects.get(email="quinn@example.com").first_name == "Quinn"
    again, _ = run_import(content, hr)
    assert (len(again.creates), len(again.updates), again.unchanged) == (0, 0, 1)


def test_people_imported_as_inactive_get_no_invitation(units, profile, hr):
    content = HEADER.rstrip("\n") + ",active\n" + "E7,Yusuf,Ali,yusuf@example.com,HQ,,,no\n"
    plan, result = run_import(content, hr)
    assert plan.invitations == 0 and result.invited_user_ids == []
    assert not Person.objects.get(employee_id="E7").active


def test_a_damaged_workbook_is_refused_with_a_message(signed_in, units, profile):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet")
    response = upload(signed_in, buffer.getvalue(), name="people.xlsx")
    assert response.status_code == 400
    assert "This is not an Excel workbook (.xlsx) that can be read." in text(response)


def test_an_unexpected_failure_ends_the_import_as_failed_and_changes_nothing(client, monkeypatch, units, profile, hr,
                                                                           django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from profiles import importers

    client.force_login(hr)
    content = b"employee_id,first_name,last_name,email,org_unit,role_profile,manager_email\nE1,A,B,a@example.com,HQ,,\n"
    client.post("/people/import/", {"file": SimpleUploadedFile("p.csv", content), "encoding": "utf-8"})
    job = PeopleImport.objects.get()

    def explode(plan, *, actor):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importers, "apply_people_plan", explode)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/people/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "An unexpected error stopped the import; nothing was changed." in job.summary["errors"][0]
    assert "The import failed and changed nothing." in text(client.get(f"/people/imports/{job.pk}/"))


def test_an_email_longer_than_an_account_can_hold_is_refused_on_its_line(units, profile, hr):
    from core.uploads import ImportFailed
    from profiles.importers import plan_people_import, read_table

    email = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "example"
    content = f"employee_id,first_name,last_name,email,org_unit,role_profile,manager_email\nE1,A,B,{email},HQ,,\n"
    with pytest.raises(ImportFailed, match="Line 2, column “email”"):
        plan_people_import(read_table(content.encode(), "p.csv"))


def test_the_list_order_follows_a_rename_by_import_or_on_the_account_page(units, profile, hr):
    run_import(GOOD, hr)
    run_import(GOOD.replace("E3,Amara,Laurent,", "E3,Amara,Aaronson,"), hr)
    amara = Person.objects.select_related("user").get(employee_id="E3")
    assert (amara.sort_last_name, amara.sort_first_name) == ("Aaronson", "Amara") == (amara.user.last_name, "Amara")
    assert list(Person.objects.values_list("employee_id", flat=True)) == ["E3", "E1", "E2"]  # Aaronson, Jensen, Okafor
    amara.user.last_name = "Zeller"
    amara.user.save()
    assert list(Person.objects.values_list("employee_id", flat=True)) == ["E1", "E2", "E3"]


def test_the_preview_shows_names_start_dates_and_warns_about_a_profile_not_approved(signed_in, units, profile, hr):
    from profiles import services

    draft_role = services.profile_create(name="Shift Lead", code="shift-lead", description="",
                                         framework_version=profile.framework_version, actor=hr)
    content = HEADER.rstrip("\n") + ",start_date_in_role\n" + (
        "E1,Maria,Jensen,maria@example.com,HQ,team-leader,,2025-03-31\n"
        "E2,Jonas,Okafor,jonas@example.com,OPS,shift-lead,maria@example.com,\n"
    )
    response = upload(signed_in, content)
    page = text(signed_in.get(response.url))
    assert "Head office <span" in page and "Operations <span" in page  # unit names beside their codes
    assert "Team Leader" in page and "Shift Lead" in page
    assert "Maria Jensen" in page.split("jonas@example.com")[1]  # the manager by name
    assert "31 Mar 2025" in page
    assert f"The role profile {draft_role.name} is not approved yet" in page


def test_an_uploaded_file_is_not_kept_after_the_import_nor_when_nobody_confirms_it(signed_in, units, profile,
                                                                                  django_capture_on_commit_callbacks):
    from django.utils import timezone

    from profiles.tasks import purge_people_imports

    job = import_confirmed(signed_in, GOOD, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE and bytes(job.content) == b"" and job.summary["created"] == 3
    upload(signed_in, GOOD.replace("E1,", "E9,").replace("maria@", "m9@"))
    stale = PeopleImport.objects.get(status=ImportStatus.PENDING)
    PeopleImport.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert purge_people_imports() == 1
    assert list(PeopleImport.objects.values_list("pk", flat=True)) == [job.pk]
    assert "Done: 3 created" in text(signed_in.get(f"/people/imports/{job.pk}/"))


def test_a_workbook_of_a_million_rows_is_refused_at_upload_in_a_second_or_two(signed_in, units):
    import time

    from tests.core.test_uploads import million_row_workbook

    raw = million_row_workbook()
    started = time.perf_counter()
    response = upload(signed_in, raw, name="people.xlsx")
    assert time.perf_counter() - started < 3
    assert response.status_code == 400
    assert "Proficio reads workbooks of up to 40 MB unpacked" in text(response) or "more than" in text(response)
    assert not PeopleImport.objects.exists()
