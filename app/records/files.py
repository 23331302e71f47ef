"""Batch files (CSV, XLSX, JSON lines) read as a stream of record dicts for intake."""
import csv
from pathlib import Path

from app.core.json import loads

BASE_FIELDS = ("source_id", "id_number", "name", "type", "occurred_at", "ended_at")
# columns of the record itself, the rest being attributes; all but these two are required
RECORD_FIELDS = (*BASE_FIELDS, "document_ref")
OPTIONAL_FIELDS = ("ended_at", "document_ref")


class ImportFileError(ValueError):
    """A file that cannot be read at all (unknown format, missing columns)."""


def read_rows(path):
    """Yield (row number, record dict or the raw line when unparseable) from a batch file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _tabular(_csv_rows(path))
    elif suffix == ".xlsx":
        yield from _tabular(_xlsx_rows(path))
    elif suffix in (".jsonl", ".ndjson"):
        yield from _jsonl(path)
    else:
        raise ImportFileError(f"unsupported file type {suffix!r}: use .csv, .xlsx or .jsonl")


def count_rows(path) -> int:
    """Data rows in the file, for the progress bar."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        return max((sheet.max_row or 1) - 1, 0)
    with path.open("rb") as f:
        lines = sum(1 for line in f if line.strip())
    return lines - 1 if path.suffix.lower() == ".csv" else lines


def _csv_rows(path):
    with path.open(newline="", encoding="utf-8-sig") as f:
        yield from csv.reader(f)


def _xlsx_rows(path):
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    for row in workbook.active.iter_rows(values_only=True):
        yield ["" if v is None else _cell(v) for v in row]


def _cell(value):
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    return str(value)


def _tabular(rows):
    rows = iter(rows)
    header = [h.strip() for h in next(rows, [])]
    missing = [f for f in RECORD_FIELDS if f not in OPTIONAL_FIELDS and f not in header]
    if missing:
        raise ImportFileError(f"missing columns: {', '.join(missing)}")
    # where each column is (the last of a repeated name), and which are attributes
    position = {name: i for i, name in enumerate(header)}
    fields = [(name, i) for name, i in position.items() if name in RECORD_FIELDS]
    attributes = [(name, i) for name, i in position.items() if name not in RECORD_FIELDS]
    width = len(header)
    for number, values in enumerate(rows, start=2):
        values = list(map(str.strip, values))
        if not any(values):
            continue
        if len(values) < width:  # a short row lacks its last columns
            values += [""] * (width - len(values))
        record = {name: values[i] for name, i in fields if values[i]}
        # any other column is a type-specific attribute, numeric where it looks numeric
        record["attributes"] = {name: _number(values[i]) for name, i in attributes if values[i]}
        yield number, record


def _number(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _jsonl(path):
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield number, loads(line)
            except ValueError:  # not JSON, or beyond the limits of app.core.json
                yield number, line.rstrip("\n")
