"""A view of the workspace as a CSV file (UTF-8 with a byte-order mark, so spreadsheet programs
read the Chinese right). A cell that a spreadsheet would take for a formula (=, +, -, @, a tab or
a carriage return first) is written with a leading apostrophe: a complainant's words are data.
Complainants' names and contacts are never in it. Pure."""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 2000  # 40 pages of the queue: an export of a view, not of the whole register


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_text(header: list[str], rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(str(row.get(column, ""))) for column in columns])
    return "\ufeff" + out.getvalue()
