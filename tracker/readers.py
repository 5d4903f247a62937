"""The cells of an uploaded table (CSV, Unicode text, .xlsx, .xls, .ods, WPS .et), read within fixed limits.

Every reader streams what the file really holds and stops at the row and column limits, whatever size the file
declares; a cell that cannot be read faithfully (a formula without its result, an Excel error value) is kept as an
Unreadable marker so that validation refuses its row only when the row is used.
"""
from __future__ import annotations

import csv
import io
import math
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import ParseError

import xlrd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from lxml.etree import XMLSyntaxError
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet._reader import CELL_TAG, DATA_TAG, FORMULA_TAG, ROW_TAG, VALUE_TAG, WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from .validation import Problem, ProblemsError

MAX_FILE_BYTES = 20 * 1024 * 1024          # a month's report is a few kilobytes
MAX_UNPACKED_BYTES = 100 * 1024 * 1024     # refuse zip bombs before opening them
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), and WPS .et saved in that format
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BM")
KINDS = ("Excel 工作簿（.xlsx、.xls）、WPS 表格（.et）、OpenDocument 表格（.ods）、"
         "CSV（逗号分隔，UTF-8 或 GBK 编码）和 Excel 的“Unicode 文本”（制表符分隔）")
SAVE_AS = "请在 Excel 或 WPS 中打开，用“另存为”保存为“Excel 工作簿（*.xlsx）”或“CSV（逗号分隔）”后再上传"
UNSUPPORTED = f"不是支持的表格文件。支持的格式：{KINDS}；{SAVE_AS}"
# Elements a worksheet may hold per cell the limits allow (a cell, its value, a formula, an inline string): past
# this the file is refused, which bounds time and memory whatever the file declares.
ELEMENTS_PER_CELL = 3
LINES_PER_ROW = 4  # a text file may have this many lines per allowed row (quoted cells spanning lines)
csv.field_size_limit(MAX_FILE_BYTES)  # a long note is refused by validation with its row, not by the csv module


@dataclass(frozen=True)
class Limits:
    """How far a reader reads: rows as Excel numbers them, columns from A."""
    rows: int = 5000
    columns: int = 60

    @classmethod
    def from_settings(cls, values: dict[str, float]) -> "Limits":
        """The limits of a resolved settings table."""
        return cls(int(values["upload_max_rows"]), int(values["upload_max_columns"]))


class Unreadable:
    """A cell whose value cannot be read faithfully: the text shown for it and why it is refused."""
    __slots__ = ("text", "reason")

    def __init__(self, text: str, reason: str):
        self.text, self.reason = text, reason

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Unreadable({self.text!r})"


NO_RESULT = "是没有计算结果的公式（文件未经 Excel 或 WPS 保存过），请在 Excel 中打开后保存，或把公式改为数值"
CELL_ERROR = "是 Excel 的错误值（公式出错，如除以零或引用无效），请改为实际数值或文字"


class _Refused(Exception):
    """What stops the reading, at each (row, column, value) to blame as Excel shows them (1-based; None unknown)."""
    def __init__(self, expected: str, row: int | None = None, column: int | None = None, value=None,
                 places: list[tuple] | None = None):
        super().__init__(expected)
        self.expected, self.places = expected, places or [(row, column, value)]


def _over_limit(row: int, column: int, value, limits: Limits) -> _Refused:
    if row > limits.rows:
        return _Refused(f"有内容的行超出上限（最多 {limits.rows} 行）；请删去多余的行，或把数据分成几个文件上传",
                        row, column, value)
    return _Refused(f"有内容的列超出上限（最多 {limits.columns} 列，即到 {get_column_letter(limits.columns)} 列）；"
                    "请删去多余的列", row, column, value)


def _shown(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


class _Grid:
    """The cells read so far, sparse, within the limits."""
    def __init__(self, limits: Limits):
        self.limits = limits
        self.cells: dict[int, dict[int, object]] = {}

    def put(self, row: int, column: int, value) -> None:
        if value is None or (isinstance(value, str) and value == ""):
            return
        if row > self.limits.rows or column > self.limits.columns:
            raise _over_limit(row, column, _shown(value), self.limits)
        self.cells.setdefault(row, {})[column] = value

    def rows(self) -> list[list]:
        if not self.cells:
            return []
        out = []
        for row in range(1, max(self.cells) + 1):
            cells = self.cells.get(row, {})
            out.append([cells.get(column) for column in range(1, max(cells, default=0) + 1)])
        return out


def kind_of(data: bytes) -> str | None:
    """The file's kind from its content: xlsx, xls, ods, utf16 (Excel's Unicode text) or csv; None if none of them."""
    if data.startswith(OLE2):
        return "xls"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                    return "ods"
        except Exception:  # zipfile raises many kinds (and UnicodeDecodeError for a bad name) on a broken archive
            return "broken zip"
        return "xlsx" if "xl/workbook.xml" in names else None
    if data.startswith(UTF16_BOMS):
        return "utf16"
    if data.startswith(BINARY_MAGIC) or b"\x00" in data[:4096]:
        return None
    return "csv"


def read_sheets(data: bytes, file_name: str, limits: Limits = Limits()) -> list[list[list]]:
    """Each sheet's cells, row by row as Excel numbers them (row 1 first; a text file is one sheet); raises
    ProblemsError naming file, row and column when the file cannot be read faithfully."""
    try:
        return list(_read(data, limits))
    except _Refused as refused:
        raise ProblemsError([Problem(file_name, row, get_column_letter(column) if column else None,
                                     None if value is None else str(value), refused.expected)
                             for row, column, value in refused.places]) from None


def _read(data: bytes, limits: Limits):
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(f"文件过大（{len(data) / 2**20:.1f} MB），上限 {MAX_FILE_BYTES // 2**20} MB")
    kind = kind_of(data)
    if kind == "broken zip":
        raise _Refused(f"不是有效的 Excel（.xlsx）文件，可能已损坏或只是改了扩展名；{SAVE_AS}")
    if data.startswith(b"PK\x03\x04"):
        _check_unpacked(data)
    if kind is None:
        raise _Refused(UNSUPPORTED)
    if kind == "xlsx":
        return _xlsx_sheets(data, limits)
    if kind == "ods":
        return _ods_sheets(data, limits)
    if kind == "xls":
        return _xls_sheets(data, limits)
    if kind == "utf16":
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _Refused(f"像是“Unicode 文本”（UTF-16）但无法解码，可能已损坏；{SAVE_AS}") from None
        _check_lines(text.count(_line_end(text)), limits)
        return [_csv_rows(_split_lines(text), {}, limits)]
    _check_lines(data.count(_line_end(data)), limits)
    return [_csv_rows(*_text_lines(data), limits)]


def _line_end(text):
    """Lines end in LF (or CR LF); a file with CR alone ends its lines in CR, as old Mac programs write."""
    lf, cr = ("\n", "\r") if isinstance(text, str) else (b"\n", b"\r")
    return cr if lf not in text and cr in text else lf


def _split_lines(text):
    """The physical lines, each with its end; only the file's line end splits (never U+2028 or a form feed)."""
    end = _line_end(text)
    lines = text.split(end)
    return [line + end for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _check_lines(count: int, limits: Limits) -> None:
    """Refuse before splitting: a few megabytes of empty lines must not become millions of rows in memory. A quoted
    cell may span lines, hence the slack."""
    if count > LINES_PER_ROW * limits.rows:
        raise _Refused(f"行数超出上限（最多 {limits.rows} 行；文件有 {count} 行）；请删去多余的行，"
                       "或把数据分成几个文件上传")


def _check_unpacked(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise _Refused(f"解压后超过 {MAX_UNPACKED_BYTES // 2**20} MB，已拒绝（疑似异常文件）")


# --- text: CSV and Excel's Unicode text ------------------------------------------------------------------------


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u2000-\u206f]")


def _plausible_utf8(line: str) -> bool:
    """Chinese text read as UTF-8: every non-ASCII character is CJK or its punctuation (GBK bytes that happen to be
    valid UTF-8 decode to Latin, Greek or Cyrillic letters instead)."""
    return all(ord(c) < 128 or _CJK.match(c) for c in line)


def _text_lines(data: bytes) -> tuple[list[str], dict[int, str]]:
    """The file's physical lines decoded, and the lines written in another encoding than the rest (index -> name).

    A file is UTF-8 (with or without BOM) or GBK/GB18030 as Chinese Windows writes it; decided line by line so that
    one pasted line in the other encoding is named instead of turning the whole file into mojibake."""
    bom = data.startswith(b"\xef\xbb\xbf")
    try:  # the usual file: UTF-8 throughout, as every line decoded alone would show
        return _split_lines((data[3:] if bom else data).decode("utf-8")), {}
    except UnicodeDecodeError:
        pass
    pieces = _split_lines(data[3:] if bom else data)
    utf8, other = [], []
    for i, piece in enumerate(pieces):
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError:
            other.append(i)
            continue
        if not text.isascii() and _plausible_utf8(text):
            utf8.append(i)
    if not other:
        return [p.decode("utf-8") for p in pieces], {}
    if bom or len(utf8) >= len(other):
        foreign = set(other)
        return ([p.decode("gb18030", errors="replace") if i in foreign else p.decode("utf-8")
                 for i, p in enumerate(pieces)], {i: "GBK" for i in other})
    foreign = set(utf8)
    decoded = []
    for i, piece in enumerate(pieces):
        try:
            decoded.append(piece.decode("utf-8") if i in foreign else piece.decode("gb18030"))
        except UnicodeDecodeError:
            raise _Refused(f"无法识别文件编码（应为 UTF-8 或 GBK 编码的 CSV），第 {i + 1} 行无法解码；"
                           "请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”后再上传") from None
    return decoded, {i: "UTF-8" for i in utf8}


def _csv_rows(lines: list[str], foreign: dict[int, str], limits: Limits) -> list[list]:
    """Records as Excel shows them (a quoted cell may span lines), refusing broken quoting, lines in another
    encoding and anything past the limits."""
    sample = "".join(lines[:20])
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","  # cells pasted from Excel are tab-separated
    if any(line.count(delimiter) > 16384 for line in lines):  # wider than any Excel sheet: not a table
        raise _Refused(UNSUPPORTED)
    reader = csv.reader(iter(lines), delimiter=delimiter, strict=True)
    rows, odd, start, expected = [], [], 0, ""
    while True:
        row = len(rows) + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The cell to blame is the last one the record's first line opens.
            try:
                cells = next(csv.reader([lines[start].rstrip("\r\n")], delimiter=delimiter), [""])
            except csv.Error:  # a carriage return inside the line: blame its first cell
                cells = [lines[start].split(delimiter)[0]]
            where = (row, len(cells), _shown(cells[-1]))
            if "end of data" in str(exc):
                raise _Refused("引号没有闭合：从这里到文件末尾都会被当成一个单元格；请检查该格的引号（成对出现，"
                               "格内的引号写作两个引号）", *where) from None
            if "new-line" in str(exc):
                raise _Refused("这一行中间有单独的回车符（不成对的换行），无法分清行；请在 Excel 或 WPS 中打开后"
                               "另存为 CSV 再上传", *where) from None
            raise _Refused("引号用法有误：以引号开头的单元格应在结尾的引号后紧跟分隔符；请检查该格的引号",
                           *where) from None
        end = reader.line_num
        if foreign and any(i in foreign for i in range(start, end)):
            name = next(foreign[i] for i in range(start, end) if i in foreign)
            rest = "GBK" if name == "UTF-8" else "UTF-8"
            odd += [(row, j + 1, _shown(cell)) for j, cell in enumerate(record) if not cell.isascii()] or [
                (row, None, None)]
            expected = (f"这一行是 {name} 编码，而文件其余部分是 {rest}（可能是从别的文件粘贴的）；"
                        "请在 Excel 或 WPS 中把整个文件另存为“CSV UTF-8（逗号分隔）”后再上传")
        start = end
        if row > limits.rows or len(record) > limits.columns:
            for j, cell in enumerate(record):
                if cell.strip() and (row > limits.rows or j >= limits.columns):
                    raise _over_limit(row, j + 1, _shown(cell), limits)
        if row <= limits.rows:
            rows.append(record[:limits.columns])
    if odd:
        raise _Refused(expected, places=odd)
    return rows


# --- workbooks: the parts every format shares --------------------------------------------------------------------


def _xml_refusal(exc: Exception, where: str, row: int | None) -> _Refused:
    if any(isinstance(e, DefusedXmlException) for e in _chain(exc)):
        return _Refused(f"{where}含有 XML 实体或外部引用（正常的表格文件没有，可能是恶意构造的文件），已拒绝；{SAVE_AS}")
    near = "在这一行附近" if row else ""
    return _Refused(f"{where}的内部 XML {near}已损坏，无法读取；{SAVE_AS}", row)


def _iterparse(source, budget: list[int]):
    """Start and end events of a part, streamed through defusedxml; refuses a part past the element budget."""
    for event, element in iterparse(source, events=("start", "end")):
        if event == "end":
            budget[0] -= 1
            if budget[0] < 0:
                raise _Refused("表格内容超出上限（单元格过多），已拒绝；请只保留填报的行和列后再上传")
        yield event, element


def _budget(limits: Limits) -> list[int]:
    return [(limits.rows + 1) * (limits.columns + 1) * ELEMENTS_PER_CELL]


# --- .xlsx (and WPS .et saved as one) -------------------------------------------------------------------------


def _xlsx_sheets(data: bytes, limits: Limits):
    """Each worksheet of the workbook. openpyxl reads the workbook's structure and styles; the shared strings and
    the sheets are streamed here, because openpyxl's own sheet objects scan a sheet whole to size it."""
    budget = _budget(limits)
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
        strings = _shared_strings(reader, budget)
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [(sheet.name, rel.target) for sheet, rel in reader.parser.find_sheets()
                  if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
    except _Refused:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        if _is_xml_error(exc):
            raise _xml_refusal(exc, "工作簿", None) from None
        raise _Refused(f"无法作为 Excel 工作簿打开，文件可能已损坏；{SAVE_AS}") from None
    try:
        for title, path in sheets:
            yield _xlsx_sheet(reader, strings, title, path, limits, budget)
    finally:
        reader.archive.close()


def _is_xml_error(exc: Exception) -> bool:
    return any(isinstance(e, (ParseError, DefusedXmlException, XMLSyntaxError)) for e in _chain(exc))


def _chain(exc: BaseException | None):
    """The exception and those it was raised from or during (openpyxl wraps the XML parser's)."""
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def _shared_strings(reader, budget: list[int]) -> list[str]:
    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return []
    strings, root, tag = [], None, f"{{{SHEET_MAIN_NS}}}si"
    with reader.archive.open(part.PartName[1:]) as source:
        for event, element in _iterparse(source, budget):
            if event == "start":
                root = element if root is None else root
            elif element.tag == tag:
                strings.append(Text.from_tree(element).content.replace("x005F_", ""))
                element.clear()
                root.remove(element)
    return strings


def _xlsx_sheet(reader, strings: list[str], title: str, path: str, limits: Limits, budget: list[int]) -> list[list]:
    """One worksheet streamed from its XML: only cells that hold something are kept, and only within the limits;
    a dimension such as A1:XFD1048576 is never used."""
    book = reader.wb
    # Dates are converted here, not by the parser, so that a serial outside Excel's calendar is a refused cell
    # instead of a warning printed in English.
    parser = WorkSheetParser(None, strings, data_only=True, epoch=book.epoch, date_formats=set(),
                             timedelta_formats=set())
    grid, row_element, data_element, skipped = _Grid(limits), None, None, None
    where = f"工作表“{title}”"
    try:
        with reader.archive.open(path) as source:
            for event, element in _iterparse(source, budget):
                tag = element.tag
                if event == "start":
                    if tag == ROW_TAG:
                        row_element = element
                        parser.row_counter = _row_number(element.get("r"), parser.row_counter)
                        parser.col_counter, skipped = 0, None
                    elif tag == DATA_TAG:
                        data_element = element
                    continue
                if tag == CELL_TAG:
                    if len(element) or element.get("t") == "inlineStr":
                        if element.get("r") is None and skipped is not None:
                            parser.col_counter = _column_of(skipped, parser.col_counter)
                        skipped = None
                        _xlsx_cell(book, parser, element, grid)
                    elif element.get("r") is None:  # an empty (styled) cell: only its place counts
                        parser.col_counter += 1
                    else:
                        skipped = element.get("r")
                    _drop(element, row_element)
                elif tag == ROW_TAG:
                    _drop(element, data_element)
                    row_element = None
                elif tag == DATA_TAG:
                    break  # what follows the cells (merges, validations, formatting) is not read
    except (ParseError, DefusedXmlException) as exc:
        raise _xml_refusal(exc, where, parser.row_counter or None) from None
    except (KeyError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError, zipfile.LargeZipFile) as exc:
        raise _Refused(f"{where}无法读取，文件可能已损坏；{SAVE_AS}") from exc
    return grid.rows()


def _drop(element, parent) -> None:
    """Free a read element: cleared, and taken out of its parent unless a malformed file nested it elsewhere."""
    element.clear()
    if parent is not None:
        try:
            parent.remove(element)
        except ValueError:
            pass


def _column_of(reference: str, fallback: int) -> int:
    """The column of a cell reference such as AB12 (empty cells are skipped without parsing theirs)."""
    try:
        return column_index_from_string(reference.rstrip("0123456789"))
    except ValueError:
        return fallback + 1


def _row_number(text: str | None, previous: int) -> int:
    if text is None:
        return previous + 1
    if not text.isdigit() or not 0 < int(text) <= 1048576:
        raise _Refused(f"工作表的行号“{_shown(text)}”不合规范，文件可能已损坏；{SAVE_AS}", previous + 1 or None)
    return int(text)


def _xlsx_cell(book, parser, element, grid: _Grid) -> None:
    formula, cached = element.find(FORMULA_TAG), element.find(VALUE_TAG)
    try:
        cell = parser.parse_cell(element)
    except Exception:  # a cell the parser cannot read: bad reference, shared string or number
        parser.col_counter += 1
        grid.put(parser.row_counter, parser.col_counter,
                 Unreadable(_shown(element.findtext(VALUE_TAG) or "?"), "单元格内容不合 Excel 格式，无法读取"))
        return
    row, column, value, kind, style = cell["row"], cell["column"], cell["value"], cell["data_type"], cell["style_id"]
    if formula is not None and (cached is None or (not cached.text and element.get("t") != "str")):
        value = Unreadable(_shown("=" + (formula.text or "")), NO_RESULT)
    elif kind == "e":
        value = Unreadable(str(value), CELL_ERROR)
    elif kind == "n" and isinstance(value, (int, float)):
        if style in book._date_formats:
            try:
                value = from_excel(value, book.epoch, timedelta=style in book._timedelta_formats)
            except (OverflowError, ValueError):
                value = Unreadable(_shown(value), "标为日期，但数值超出 Excel 的日期范围")
        else:
            value = _percent(value, _number_format(book, style))
    grid.put(row, column, value)


def _number_format(book, style: int) -> str:
    try:
        number = book._cell_styles[style].numFmtId
        if number < BUILTIN_FORMATS_MAX_SIZE:
            return BUILTIN_FORMATS.get(number, "General")
        return book._number_formats[number - BUILTIN_FORMATS_MAX_SIZE]
    except (IndexError, KeyError):  # a style the workbook does not define
        return "General"


def _percent(value, number_format: str):
    """A cell formatted as a percentage holds 0.35 for 35%: keep what the clerk saw."""
    if "%" in number_format and isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value * 100:.10g}%"
    return value


# --- .xls (Excel 97-2003, and WPS .et saved as one) -----------------------------------------------------------


def _xls_sheets(data: bytes, limits: Limits):
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, ragged_rows=True,
                                  logfile=io.StringIO())
    except Exception as exc:  # xlrd raises many kinds for a broken or foreign compound file
        if "Can't find workbook" in str(exc):  # an OLE2 file that is no workbook, such as a Word .doc
            raise _Refused(UNSUPPORTED) from None
        raise _Refused(f"不是有效的 Excel 97-2003 工作簿（.xls），可能已损坏；{SAVE_AS}") from None
    try:
        for index in range(book.nsheets):
            yield _xls_sheet(book, book.sheet_by_index(index), limits)
            book.unload_sheet(index)
    except _Refused:
        raise
    except Exception as exc:  # xlrd parses a sheet's records on loading it and raises many kinds on broken ones
        raise _Refused(f"不是有效的 Excel 97-2003 工作簿（.xls），可能已损坏；{SAVE_AS}") from exc
    finally:
        book.release_resources()


def _xls_sheet(book, sheet, limits: Limits) -> list[list]:
    grid = _Grid(limits)
    for r in range(sheet.nrows):
        for c in range(sheet.row_len(r)):
            kind, value = sheet.cell_type(r, c), sheet.cell_value(r, c)
            if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            if kind == xlrd.XL_CELL_ERROR:
                value = Unreadable(xlrd.error_text_from_code.get(value, "#错误"), CELL_ERROR)
            elif kind == xlrd.XL_CELL_DATE:
                try:
                    value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    value = Unreadable(_shown(value), "标为日期，但数值超出 Excel 的日期范围")
            elif kind == xlrd.XL_CELL_NUMBER:
                number_format = book.format_map.get(book.xf_list[sheet.cell_xf_index(r, c)].format_key)
                value = _percent(_whole(value), number_format.format_str if number_format else "General")
            grid.put(r + 1, c + 1, value)
    return grid.rows()


def _whole(value: float):
    """A number as the workbook shows it: 60 rather than 60.0."""
    return int(value) if math.isfinite(value) and value.is_integer() and abs(value) < 2**53 else value


# --- .ods (OpenDocument, as LibreOffice and WPS save it) ------------------------------------------------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_ODS_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")


def _ods_sheets(data: bytes, limits: Limits):
    """Each table of content.xml, streamed: repeated rows and columns are counted, never expanded past the limits."""
    budget, grid, row, column, row_repeat, parents = _budget(limits), None, 0, 0, 1, []
    where = "工作表"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as source:
            for event, element in _iterparse(source, budget):
                tag = element.tag
                if event == "start":
                    parents.append(element)
                    if tag == _TABLE + "table":
                        grid, row, where = _Grid(limits), 0, f"工作表“{element.get(_TABLE + 'name', '')}”"
                    elif tag == _TABLE + "table-row":
                        row_repeat, column = _repeat(element, "number-rows-repeated", row), 0
                    continue
                parents.pop()
                if tag in _ODS_CELLS and grid is not None:
                    repeat = _repeat(element, "number-columns-repeated", row + 1)
                    value = _ods_value(element)
                    if value is not None:
                        for r in range(row + 1, row + 1 + row_repeat):
                            for c in range(column + 1, column + 1 + repeat):
                                grid.put(r, c, value)
                    column += repeat
                elif tag == _TABLE + "table-row":
                    row += row_repeat
                elif tag == _TABLE + "table" and grid is not None:
                    yield grid.rows()
                    grid = None
                if tag in _ODS_CELLS or tag in (_TABLE + "table-row", _TABLE + "table"):
                    _drop(element, parents[-1] if parents else None)
    except (ParseError, DefusedXmlException) as exc:
        raise _xml_refusal(exc, where, row + 1 if grid is not None else None) from None
    except (KeyError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        raise _Refused(f"不是有效的 OpenDocument 表格（.ods），可能已损坏；{SAVE_AS}") from exc


def _repeat(element, name: str, row: int) -> int:
    text = element.get(_TABLE + name, "1")
    if not text.isdigit() or int(text) < 1:
        raise _Refused(f"表格结构不合规范（重复次数“{_shown(text)}”），文件可能已损坏；{SAVE_AS}", row or None)
    return int(text)


def _ods_text(element) -> str:
    """The text of a cell: paragraphs joined by line breaks, <text:s/> as its spaces."""
    paragraphs = []
    for paragraph in element:
        if paragraph.tag in (_TEXT + "p", _TEXT + "h"):
            paragraphs.append(_ods_inline(paragraph))
    return "\n".join(paragraphs)


def _ods_inline(element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag == _TEXT + "s":
            count = child.get(_TEXT + "c", "1")
            parts.append(" " * min(int(count) if count.isdigit() else 1, 1000))
        elif child.tag == _TEXT + "tab":
            parts.append("\t")
        elif child.tag == _TEXT + "line-break":
            parts.append("\n")
        else:
            parts.append(_ods_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _ods_value(element):
    kind = element.get(_OFFICE + "value-type")
    text = _ods_text(element)
    if element.get(_CALCEXT + "value-type") == "error":
        return Unreadable(text or "#错误", CELL_ERROR)
    if kind is None:
        formula = element.get(_TABLE + "formula")
        return Unreadable(_shown(formula), NO_RESULT) if formula else (text or None)
    try:
        if kind in ("float", "currency"):
            return _whole(float(element.get(_OFFICE + "value")))
        if kind == "percentage":
            return _percent(float(element.get(_OFFICE + "value")), "%")
        if kind == "date":
            return datetime.fromisoformat(element.get(_OFFICE + "date-value"))
    except (TypeError, ValueError):
        return Unreadable(_shown(text or "?"), "单元格内容不合 OpenDocument 格式，无法读取")
    return text or None
