"""Hostile files: a clear message for the owner, and nothing written (not even a job)."""

import io

import pytest

from loyalty.imports import reading
from loyalty.imports.reading import ImportFileError
from loyalty.models import ImportJob
from loyalty.services.imports import import_upload
from tests.factories import OwnerFactory

from .import_helpers import csv_bytes, preview

pytestmark = pytest.mark.django_db


def upload(data: bytes, file_name: str = "till.csv", kind: str = "customers"):
    return import_upload(kind=kind, data=data, file_name=file_name, acting_user=None)


@pytest.mark.parametrize(
    ("data", "file_name", "message"),
    [
        (b"", "till.csv", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "till.csv", "binary data"),
        (b"phone,name\n139\x0000001,NUL\n", "till.csv", "binary data"),
        (b"%PDF-1.4 hello", "till.pdf", "Upload a CSV"),
        (b"PK\x03\x04 not really a zip", "till.xlsx", "not a readable Excel"),
        (b"\xff\xfe\xfa\xfb\xfc phone", "till.csv", "not text in UTF-8 or GBK"),
        (b"name,birthday\nWu,1990-01-01\n", "till.csv", "no column phone"),
        (b"phone,name\n", "till.csv", "no rows"),
        (b"phone,name\n139,x\n1,2,3,4\n", "till.csv", "could not be read"),
        (b"phone,phone\n1,2\n", "till.csv", "same name"),
    ],
)
def test_a_hostile_file_gets_a_clear_message_and_writes_nothing(data, file_name, message):
    with pytest.raises(ImportFileError, match=message):
        upload(data, file_name)
    assert not ImportJob.objects.exists()


def test_a_file_over_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    rows = [["phone"]] + [[f"1390000{n:04d}"] for n in range(6)]
    with pytest.raises(ImportFileError, match="more than 5 rows"):
        upload(csv_bytes(rows))
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportFileError, match="larger than"):
        upload(b"phone\n" + b"13900000000\n" * 20)


def test_orders_need_their_columns():
    with pytest.raises(ImportFileError, match="order_number, date, store, total"):
        upload(b"phone\n13900000000\n", kind="orders")


def test_a_gbk_file_from_an_old_till_reads():
    owner = OwnerFactory()
    data = "手机,姓名\n13900000201,张三\n".encode("gb18030")
    job = preview("customers", data, owner)
    assert job.outcomes == [["new", "new member"]]
    assert job.rows["rows"] == [["13900000201", "张三"]]


def test_an_overlong_cell_is_a_row_error_not_a_crash():
    owner = OwnerFactory()
    job = preview("customers", csv_bytes([["phone", "name"], ["13900000202", "x" * 5000]]), owner)
    assert job.outcomes[0][0] == "error"
    assert "The name is longer than 80 characters" in job.outcomes[0][1]


def test_a_damaged_workbook_is_refused():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ImportFileError, match="not a readable Excel"):
        upload(out.getvalue(), "till.xlsx")


def test_a_workbook_over_the_row_limit_is_refused_while_reading(monkeypatch):
    import openpyxl

    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    book = openpyxl.Workbook()
    for n in range(10):
        book.active.append([f"1390000{n:04d}" if n else "phone"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ImportFileError, match="more than 3 rows"):
        upload(out.getvalue(), "till.xlsx")
