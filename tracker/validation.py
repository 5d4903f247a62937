"""A problem found in a file: where it is, what was there, and what was expected."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # as Excel shows it: the header is row 1
    column: str | None
    value: str | None
    expected: str
    severity: str = "error"  # or "warning"

    def message(self) -> str:
        """One line in Chinese naming file, row, column, the bad value and what is expected."""
        parts = [self.file]
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"“{self.column}”列")
        where = " ".join(parts)
        value = f"：值“{self.value}”" if self.value not in (None, "") else ""
        return f"{where}{value}，{self.expected}"


class ProblemsError(Exception):
    """Raised with every problem found, never only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.message() for p in problems))


def excel_row(index: int, header_row: int = 1) -> int:
    """The row number Excel shows for the 0-based data row `index` under a header at `header_row`."""
    return header_row + 1 + index
