"""The owner's import pages in /cms/: upload → preview of every row → confirm → progress."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from loyalty.models import EntryKind, ImportJob, ImportStatus, WalletEntry
from membership.models import Member
from tests.factories import TierFactory
from tests.loyalty.import_helpers import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["phone", "name", "birthday", "tier", "balance", "points"]


def refused(response) -> bool:
    if response.status_code == 403:
        return True
    return response.status_code == 302 and "login" in response["Location"]


def upload(client, data: bytes, name: str = "till.csv", kind: str = "customers"):
    """Post a file (the check task runs when the owner_client's post commits)."""
    return client.post(
        reverse("owner_imports"), {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )


@pytest.fixture
def owner_client(client, owner_user, django_capture_on_commit_callbacks):
    """The owner, with the tasks queued after commit run as they are queued."""
    TierFactory(code="gold", rank=2, name_en="Gold")
    client.force_login(owner_user)

    class Client:
        def get(self, *args, **kwargs):
            return client.get(*args, **kwargs)

        def post(self, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(*args, **kwargs)

    return Client()


def test_the_owner_uploads_sees_every_row_with_why_confirms_and_sees_the_outcome(owner_client):
    data = csv_bytes(
        [
            HEADER,
            ["13900000301", "Good", "", "gold", "100", "20"],
            ["oops", "Bad Phone", "", "", "", ""],
            ["13900000303", "Negative", "", "", "-1", ""],
        ]
    )
    response = upload(owner_client, data)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("owner_import_job", args=[job.pk])

    page = owner_client.get(response["Location"]).content.decode()
    assert 'data-outcome="new"' in page
    assert page.count('data-outcome="error"') == 2
    assert "oops is not a valid mobile number." in page
    assert "The balance is negative." in page
    assert not Member.objects.exists()

    only_bad = owner_client.get(response["Location"], {"show": "errors"}).content.decode()
    assert 'data-outcome="new"' not in only_bad

    confirmed = owner_client.post(reverse("owner_import_confirm", args=[job.pk]))
    assert confirmed.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created, job.failed) == (ImportStatus.DONE, 1, 2)
    done = owner_client.get(response["Location"]).content.decode()
    assert 'data-testid="import-errors"' in done
    assert 'http-equiv="refresh"' not in done
    member = Member.objects.get()
    assert WalletEntry.objects.get(account__member=member).kind == EntryKind.OPENING

    # Confirming twice runs nothing twice.
    owner_client.post(reverse("owner_import_confirm", args=[job.pk]))
    assert Member.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\x00\x01\x02binary", "till.csv", "binary data"),
        (b"name\nWu\n", "till.csv", "no column phone"),
        (b"MZ\x90\x00 an exe", "till.exe", "binary data"),
        (b"", "till.csv", "The submitted file is empty"),
    ],
)
def test_a_hostile_upload_is_a_message_not_an_error(owner_client, data, name, message):
    response = upload(owner_client, data, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_preview_of_a_large_file_costs_the_same_queries_and_is_paginated(
    owner_client, django_assert_max_num_queries
):
    rows = [HEADER] + [[f"1390001{n:04d}", f"N{n}", "", "", "", ""] for n in range(1500)]
    upload(owner_client, csv_bytes(rows))
    job = ImportJob.objects.get()
    assert job.created == 1500
    with django_assert_max_num_queries(12):
        page = owner_client.get(reverse("owner_import_job", args=[job.pk]), {"p": 3})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-outcome="new"') == 100
    assert "<td>202</td>" in html  # page 3 starts at the 201st data row, spreadsheet row 202


def test_a_running_import_shows_its_progress_and_refreshes(owner_client, owner_user):
    job = ImportJob.objects.create(
        kind="customers",
        status=ImportStatus.RUNNING,
        total=50000,
        done=12500,
        created_by=owner_user,
    )
    html = owner_client.get(reverse("owner_import_job", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert 'max="50000" value="12500"' in html
    assert "25 %" in html


def test_cancelling_a_preview_writes_nothing(owner_client):
    upload(owner_client, csv_bytes([HEADER, ["13900000401", "C", "", "", "5", ""]]))
    job = ImportJob.objects.get()
    owner_client.post(reverse("owner_import_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert owner_client.post(reverse("owner_import_confirm", args=[job.pk])).status_code == 302
    assert not Member.objects.exists()
    assert not WalletEntry.objects.filter(amount=Decimal("5")).exists()


def test_the_owner_finds_it_in_the_settings_menu(owner_client):
    assert reverse("owner_imports") in owner_client.get("/cms/").content.decode()


@pytest.mark.parametrize("who", ["staff", "member"])
def test_staff_and_members_are_refused(client, who, staff_user, member, owner_user):
    job = ImportJob.objects.create(kind="customers", status=ImportStatus.PREVIEWED, total=1)
    client.force_login(staff_user if who == "staff" else member.user)
    assert refused(client.get(reverse("owner_imports")))
    assert refused(client.get(reverse("owner_import_job", args=[job.pk])))
    assert refused(client.post(reverse("owner_import_confirm", args=[job.pk])))
    assert refused(upload(client, b"phone\n13900000000\n"))
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED


def test_staff_with_admin_access_but_not_the_permission_get_403(client, staff_user):
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff_user)
    assert client.get(reverse("owner_imports")).status_code == 403
    assert client.post(reverse("owner_imports")).status_code == 403
    assert reverse("owner_imports") not in client.get("/cms/").content.decode()


def test_the_member_sees_opening_entries_and_imported_orders_in_their_history(owner_client, client):
    from tests.factories import StoreFactory

    StoreFactory(code="east", name="East")
    upload(owner_client, csv_bytes([HEADER, ["13900000501", "Hu", "", "", "66", "77"]]))
    owner_client.post(reverse("owner_import_confirm", args=[ImportJob.objects.get().pk]))
    orders = csv_bytes(
        [
            ["phone", "order_number", "date", "store", "total"],
            ["13900000501", "OLD-7", "2024-03-31 10:00", "east", "45.50"],
        ]
    )
    upload(owner_client, orders, kind="orders")
    owner_client.post(reverse("owner_import_confirm", args=[ImportJob.objects.first().pk]))

    client.force_login(Member.objects.get().user)
    for page in ("customer:wallet", "customer:points"):
        html = client.get(reverse(page)).content.decode()
        assert "Opening balance (import)" in html, page
    html = client.get(reverse("customer:orders")).content.decode()
    assert "IMP-OLD-7" in html
    assert client.get(reverse("customer:order", args=["IMP-OLD-7"])).status_code == 200
