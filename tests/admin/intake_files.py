"""Department files for the intake tests: a few good rows and a few bad ones."""
import csv
import io
import uuid

from openpyxl import Workbook

from app.records.files import BASE_FIELDS
from tests.factories import new_id_number

HEADER = [*BASE_FIELDS, "hours"]


def rows(good=3, bad=2):
    """`good` volunteering rows, then `bad` rows (a wrong ID number checksum, an unknown type)."""
    id_number, tag = new_id_number(), uuid.uuid4().hex[:8]
    out = [[f"{tag}-{n}", id_number, "张三", "volunteer_hours", "2026-01-05", "", "4"]
           for n in range(good)]
    bad_rows = [[f"{tag}-bad-id", id_number[:-1] + ("0" if id_number[-1] != "0" else "1"),
                 "张三", "volunteer_hours", "2026-01-05", "", "4"],
                [f"{tag}-bad-type", id_number, "张三", "no_such_type", "2026-01-05", "", ""]]
    return out + bad_rows[:bad]


def csv_bytes(table, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(table)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(table, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
