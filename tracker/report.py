"""Exports: workbooks whose text cells can never run as formulas."""
from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """A text cell that Excel would take for a formula (=, +, -, @, tab, CR first) prefixed with ' so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per frame: bold frozen header, filters, widths to fit, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title[:31])
        columns = list(frame.columns)
        sheet.append(columns)
        for row in frame.itertuples(index=False):
            sheet.append([None if v is None or (isinstance(v, float) and pd.isna(v)) else safe_text(v)
                          if not isinstance(v, (list, tuple)) else "、".join(map(str, v)) for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1D4ED8")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for j, name in enumerate(columns, start=1):
            values = [str(name)] + [str(v) for v in frame.iloc[:200, j - 1] if v is not None]
            width = min(60, max(8, max(sum(2 if ord(ch) > 255 else 1 for ch in v) for v in values) + 2))
            sheet.column_dimensions[get_column_letter(j)].width = width
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, (date, datetime)):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
        if len(frame):
            sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
