"""The owner's Exports page in /cms/: asking for a month, exporting a filtered segment in the
background, and downloading the files (owner only)."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from loyalty.models import ExportJob, LifecycleStage, MemberSegment, ValueGroup
from loyalty.services.exports import export_generate
from membership.models import MemberTag, StaffAction, Tag
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_exports_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture
def owner_client(client, owner_user):
    client.force_login(owner_user)
    return client


@pytest.fixture
def done_job(owner_user):
    MemberFactory(number="E0001", joined_at=timezone.now().replace(year=2025))
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.MONTHLY, parameters={"month": "2026-01"}, requested_by=owner_user
    )
    return export_generate(job_id=job.pk)


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_owner_asks_for_a_month_and_finds_its_files(
    owner_client, owner_user, django_capture_on_commit_callbacks
):
    MemberFactory(number="E0001", joined_at=timezone.now().replace(year=2025))
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("owner_exports"), {"month": "2026-01"})
    assert response.status_code == 302

    job = ExportJob.objects.get()
    assert (job.kind, job.parameters, job.requested_by) == (
        "monthly",
        {"month": "2026-01"},
        owner_user,
    )
    assert job.status == ExportJob.Status.DONE  # the test task backend runs it at once
    assert StaffAction.objects.filter(action="export.requested", actor=owner_user).count() == 1

    page = owner_client.get(reverse("owner_exports")).content.decode()
    assert f'data-job="{job.pk}"' in page
    csv_url = reverse("owner_export_csv", kwargs={"pk": job.pk})
    assert csv_url in page
    download = owner_client.get(csv_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "no-store" in download["Cache-Control"]
    assert [row[1] for row in _rows(download)] == ["Member number", "E0001"]

    xlsx = owner_client.get(reverse("owner_export_xlsx", kwargs={"pk": job.pk}))
    assert xlsx.status_code == 200
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"  # a zip: the Excel file


@pytest.mark.parametrize("month", ["2026-13", "", "x" * 500, "2999-01", "2026-1"])
def test_a_bad_month_is_a_clear_400_and_nothing_is_queued(owner_client, month):
    response = owner_client.post(reverse("owner_exports"), {"month": month})
    assert response.status_code == 400
    assert 'data-testid="export-error"' in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_exports_page_costs_a_fixed_number_of_queries(
    owner_client, owner_user, django_assert_max_num_queries
):
    ExportJob.objects.bulk_create(
        ExportJob(kind="monthly", parameters={"month": "2026-01"}, requested_by=owner_user)
        for _ in range(120)
    )
    owner_client.get(reverse("owner_exports"))  # Wagtail's menus and settings, cached once
    with django_assert_max_num_queries(16):
        response = owner_client.get(reverse("owner_exports") + "?page=2")
    assert response.content.decode().count('data-testid="export-row"') == 25


def test_staff_and_members_get_no_file(client, done_job, staff_user, member):
    url = reverse("owner_export_csv", kwargs={"pk": done_job.pk})
    for user in (staff_user, member.user):
        client.force_login(user)
        response = client.get(url)
        # Without back-office access, Wagtail sends them to its log-in page.
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))
        assert client.get(reverse("owner_exports")).status_code == 302
    client.logout()
    assert client.get(url).status_code == 302


def test_a_back_office_user_without_the_export_permission_gets_403(client, done_job):
    editor = UserFactory()
    editor.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    client.force_login(editor)
    for name in ("owner_export_csv", "owner_export_xlsx"):
        assert client.get(reverse(name, kwargs={"pk": done_job.pk})).status_code == 403
    assert client.get(reverse("owner_exports")).status_code == 403
    assert client.post(reverse("owner_exports"), {"month": "2026-01"}).status_code == 403
    assert client.get(reverse("owner_export_segment")).status_code == 403
    assert ExportJob.objects.count() == 1


@pytest.mark.parametrize("path", ["999999999/csv/", "0/xlsx/", "1/pdf/", "%00/csv/", "1e3/csv/"])
def test_unknown_exports_are_404(owner_client, path):
    assert owner_client.get(f"/cms/exports/{path}").status_code == 404


def test_a_job_not_done_has_no_file(owner_client, owner_user):
    job = ExportJob.objects.create(kind="monthly", parameters={"month": "2026-01"})
    assert owner_client.get(reverse("owner_export_csv", kwargs={"pk": job.pk})).status_code == 404


@pytest.fixture
def segments():
    coats = Tag.objects.create(code="coats", name_en="Coats", name_zh="大衣")
    for i, stage in enumerate(["active", "active", "sleeping", "active"]):
        member = MemberFactory(number=f"G{i:04d}")
        MemberSegment.objects.create(
            member=member, lifecycle_stage=stage, value_group=ValueGroup.BIG, recency_score=5
        )
        if i != 1:
            MemberTag.objects.create(member=member, tag=coats)
    return coats


def test_the_segment_report_links_to_a_background_export_with_its_filters(owner_client, segments):
    response = owner_client.get(reverse("owner_segments") + "?lifecycle_stage=active")
    html = response.content.decode()
    assert reverse("owner_export_segment") + "?lifecycle_stage=active" in html


def test_a_filtered_segment_is_exported_in_the_background(
    owner_client, segments, django_capture_on_commit_callbacks
):
    query = f"?lifecycle_stage=active&tag={segments.pk}"
    page = owner_client.get(reverse("owner_export_segment") + query).content.decode()
    assert 'data-testid="segment-count">These filters select 2 members.' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("owner_export_segment"),
            {"lifecycle_stage": "active", "tag": str(segments.pk)},
        )
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.parameters == {"lifecycle_stage": LifecycleStage.ACTIVE, "tag": str(segments.pk)}
    download = owner_client.get(reverse("owner_export_csv", kwargs={"pk": job.pk}))
    assert [row[0] for row in _rows(download)[1:]] == ["G0000", "G0003"]


def test_without_filters_the_whole_list_is_exported(
    owner_client, segments, django_capture_on_commit_callbacks
):
    page = owner_client.get(reverse("owner_export_segment")).content.decode()
    assert 'data-testid="segment-count">These filters select 4 members.' in page
    assert 'data-testid="export-error"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("owner_export_segment"), {})
    job = ExportJob.objects.get()
    assert job.rows == 4


@pytest.mark.parametrize(
    "data",
    [{"lifecycle_stage": "vip"}, {"tag": "99999"}, {"recency_score": "9"}, {"tag": "\x00"}],
)
def test_bad_segment_filters_are_a_400_and_nothing_is_queued(owner_client, segments, data):
    response = owner_client.post(reverse("owner_export_segment"), data)
    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_exports_are_in_the_reports_menu(owner_client):
    html = owner_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("owner_exports") in html
