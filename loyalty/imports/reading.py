"""Reading an uploaded CSV or Excel file into a tablib Dataset, refusing hostile files with
a message the owner can act on (never a 500)."""

import io
import zipfile
from dataclasses import dataclass

import openpyxl
import tablib
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_CELL_CHARS = 255
MAX_COLUMNS = 64

# Column names an old till may use, in English or Chinese, for each column we read.
ALIASES = {
    "phone": ("phone", "mobile", "tel", "手机", "手机号", "电话", "会员手机", "member phone"),
    "name": ("name", "姓名", "名字", "会员姓名"),
    "birthday": ("birthday", "birth date", "生日", "出生日期"),
    "tier": ("tier", "level", "等级", "会员等级"),
    "balance": ("balance", "stored value", "余额", "储值余额"),
    "points": ("points", "积分"),
    "packages": ("packages", "package", "套餐", "次卡"),
    "order_number": ("order_number", "order number", "order", "订单号", "单号"),
    "date": ("date", "datetime", "time", "日期", "时间", "下单时间"),
    "store": ("store", "门店", "店铺"),
    "total": ("total", "amount", "金额", "实收"),
    "category": ("category", "service", "品类", "项目"),
}
_BY_ALIAS = {alias: column for column, names in ALIASES.items() for alias in names}


class ImportFileError(Exception):
    """The file cannot be imported at all; the message says why."""


@dataclass(frozen=True)
class ReadFile:
    headers: list[str]
    rows: list[list[str]]


def _column_of(header) -> str:
    text = str(header or "").strip().lower().replace("-", "_")
    return _BY_ALIAS.get(text, _BY_ALIAS.get(text.replace("_", " "), text))


def _decode(data: bytes) -> str:
    # Old tills in China often export GB18030 (GBK); UTF-8 (with or without BOM) otherwise.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is not text in UTF-8 or GBK. Save it as CSV (UTF-8)."))


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)d rows: split it into smaller files.") % {"max": MAX_ROWS}
    )


def _xlsx_dataset(data: bytes) -> tablib.Dataset:
    """The first sheet, read as a stream and stopped at the row limit: a small workbook can
    unpack to millions of rows, which django-import-export's XLSX format would read whole."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = book.active.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    headers = list(next(rows, None) or ())
    while headers and headers[-1] is None:
        headers.pop()
    dataset = tablib.Dataset(headers=[str(h) if h is not None else "" for h in headers])
    for n, row in enumerate(rows):
        if n >= MAX_ROWS:
            raise _too_many_rows()
        dataset.append((list(row) + [None] * len(headers))[: len(headers)])
    book.close()
    return dataset


def _dataset(data: bytes, file_name: str) -> tablib.Dataset:
    is_xlsx = file_name.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04"
    if is_xlsx:
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise ImportFileError(_("This is not a readable Excel (.xlsx) file."))
        try:
            return _xlsx_dataset(data)
        except ImportFileError:
            raise
        except Exception:  # openpyxl raises many kinds on a damaged workbook
            raise ImportFileError(_("This is not a readable Excel (.xlsx) file.")) from None
    if b"\x00" in data:
        raise ImportFileError(
            _("The file contains binary data (NUL bytes): upload a CSV or an Excel file.")
        )
    text = _decode(data)
    if not file_name.lower().endswith((".csv", ".txt")) and "," not in text.split("\n", 1)[0]:
        raise ImportFileError(_("Upload a CSV (.csv) or Excel (.xlsx) file."))
    if text.count("\n") > MAX_ROWS + 1:
        raise _too_many_rows()
    try:
        return CSV().create_dataset(text)
    except Exception:  # tablib: ragged rows, bad quoting
        raise ImportFileError(
            _("The CSV file could not be read: every row needs the same columns as the header.")
        ) from None


def read_import_file(*, data: bytes, file_name: str, required: tuple[str, ...]) -> ReadFile:
    """The file's rows as text, with its columns renamed to ours; ImportFileError if not."""
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)d MB: split it into smaller files.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    dataset = _dataset(data, file_name)
    headers = [_column_of(h) for h in (dataset.headers or [])]
    missing = [column for column in required if column not in headers]
    if missing:
        raise ImportFileError(
            _("The file has no column %(columns)s. The first row must name the columns.")
            % {"columns": ", ".join(missing)}
        )
    if len(set(headers)) != len(headers):
        raise ImportFileError(_("Two columns of the file have the same name."))
    if len(dataset) > MAX_ROWS:
        raise _too_many_rows()
    rows = []
    for values in dataset:
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue  # blank line
        # Longer than any column we keep: the row's checks name the column that is too long.
        rows.append([c.replace("\x00", "")[: MAX_CELL_CHARS + 1] for c in cells])
    if not rows:
        raise ImportFileError(_("The file has a header but no rows."))
    return ReadFile(headers=headers, rows=rows)


def to_dataset(headers: list[str], rows: list[list[str]]) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=headers)
    width = len(headers)
    for row in rows:
        dataset.append((list(row) + [""] * width)[:width])
    return dataset
