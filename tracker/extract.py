"""Turn a published notice (text, a saved HTML page, Word .docx or .doc, or a PDF) into tasks, targets and units.

The extractor reads the notice's structure (chapters 一、, optional sub-chapters （一）, items numbered 1. 1、
（1） or （一）, continuous or restarting per chapter), the unit lists in brackets or on their own line, and the
quantified targets in each item's text. What it is unsure of is kept and flagged, never silently guessed.
"""
from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

import pandas as pd

from .plan import is_open_list, split_units
from .values import decode

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CHAPTER = re.compile(r"^([一二三四五六七八九十]{1,3})、\s*(.+)$")
SUB_CHAPTER = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[）)]\s*(.+)$")
ITEM_STYLES = {
    "dot": re.compile(r"^(\d{1,3})[.．]\s*(?!\d)(.+)$"),
    "comma": re.compile(r"^(\d{1,3})、\s*(.+)$"),
    "paren": re.compile(r"^[（(](\d{1,3})[）)]\s*(.+)$"),
}
BOILERPLATE = re.compile(r"欢迎访问|长者模式|长者浏览|无障碍|关闭窗口|打印本页|打印此页|字号[:：]|分享到|当前位置|"
                         r"网站地图|版权所有|主办单位|技术支持|ICP备|网站标识码|来源[:：].{0,20}浏览次数|【(大|中|小)】")
PAGE_END = re.compile(r"^(相关文章|相关链接|相关阅读|相关文件|上一篇|下一篇|扫一扫|分享到|【?打印】?$|附件[:：]?$)|"
                      r"^\d{4}年\d{1,2}月\d{1,2}日$")  # what follows the notice on a page, or its signature date
PART_LABELS = ("参与单位", "配合单位", "协同单位")
PERSON_LABELS = ("责任领导", "分管领导", "牵头领导")
UNIT_LINE = re.compile(r"^[（(\[【]?\s*(牵头单位|责任单位|主责单位|参与单位|配合单位|协同单位|责任领导|分管领导|牵头领导)[:：]")
MEASURE_UNITS = sorted(["家", "个", "项", "名", "人", "户", "所", "部", "条", "处", "亩", "公里", "千米", "米", "平方米",
                        "平方公里", "千瓦", "吨", "元", "座", "套", "场", "辆", "台", "件", "篇", "栋", "间", "张",
                        "床", "株", "棵", "头", "只", "支", "例", "天", "微克/立方米", "毫克/升", "份", "册", "公顷", "立方米", "千伏安", "兆瓦",
                        "%", "％"], key=len, reverse=True)
SCALE_PREFIXES = ("万", "亿")
NUMBER = r"(\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)"
TARGET = re.compile(
    NUMBER + r"(?:\s*(?:-|—|–|~|～|至|到)\s*" + NUMBER + r")?(余)?\s*"
    r"((?:万|亿)?(?:" + "|".join(re.escape(u) for u in MEASURE_UNITS) + r")|:1|：1)")
VERBS = ("达到", "突破", "超过", "力争", "新增", "完成", "增长", "提高", "争取", "确保", "实现", "不低于", "不少于",
         "控制在", "缩小到", "缩小至", "降低到", "下降到", "降至", "保持在", "稳定在", "达", "过", "为")
LOWER_HINTS = ("以内", "以下", "控制在", "缩小", "降低", "下降", "降至", "压缩", "不超过", "不高于")
LEVEL_HINTS = ("%", "％", ":1", "：1")
LEVEL_WORDS = ("增长", "提高", "率", "占比", "比重", "比例", "覆盖", "增速")


@dataclass
class Extracted:
    tasks: pd.DataFrame
    targets: pd.DataFrame
    departments: pd.DataFrame
    meta: dict
    warnings: list[str] = field(default_factory=list)


# --- reading the notice ----------------------------------------------------------------------------------------

class _TextOfHtml(HTMLParser):
    """Visible text of a saved web page, one block element a line, scripts, styles and navigation left out."""

    SKIP = {"script", "style", "nav", "header", "footer", "noscript", "select", "button", "form"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "section", "article", "table"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.current, self.skipping = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCK:
            self._flush()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)

    def _flush(self):
        text = "".join(self.current).strip()
        if text:
            self.lines.append(text)
        self.current = []


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)
    lines = ["".join(re.findall(r"<w:t(?: [^>]*)?>(.*?)</w:t>", p, flags=re.S)) for p in paragraphs]
    return "\n".join(html.unescape(line) for line in lines)


PDF_MAGIC, OLE_MAGIC = b"%PDF-", bytes.fromhex("D0CF11E0A1B11AE1")  # OLE: the container of Word 97-2003 .doc
PAGE_NUMBER = re.compile(r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“”‘’—…]")
NO_PDF_TEXT = "PDF 没有文字层，是扫描件，读不出文字：扫描件，请提供文字版或 .docx（Word、WPS 另存的 PDF 有文字层）"
NO_DOC_READER = ("是 Word 97-2003 的 .doc 文件，本机没有能读它的程序：请安装 antiword（apt-get install antiword）"
                 "或 LibreOffice，或在 Word/WPS 中“另存为”.docx 后再提取")


def notice_text(data: bytes, name: str) -> str:
    """The notice as plain text, one paragraph a line, from .txt, .html/.htm, .docx, .doc or a PDF's text layer,
    without the website's navigation, headers and footers (欢迎访问…, 长者模式, 关闭窗口)."""
    return "\n".join(line for line in _raw_text(data, name).splitlines()
                     if not BOILERPLATE.search(unicodedata.normalize("NFKC", line)))


def _raw_text(data: bytes, name: str) -> str:
    lower = name.lower()
    # the bytes decide, not the name: offices rename files, and a .doc saved as "notice.docx" is common
    if data.startswith(PDF_MAGIC):
        return _pdf_text(data)
    if data.startswith(OLE_MAGIC):
        return _doc_text(data)
    if lower.endswith(".docx") or data.startswith(b"PK\x03\x04"):
        return _docx_text(data)
    if lower.endswith((".pdf", ".doc")):
        raise ValueError(f"不是有效的 {lower.rsplit('.', 1)[1].upper()} 文件（文件头不对，可能已损坏或只是改了扩展名）")
    text = decode(data)
    if text is None:
        raise ValueError("无法识别文件编码（应为 UTF-8 或 GBK 文本，或 .html、.docx、.doc、.pdf）")
    if lower.endswith((".html", ".htm")) or re.search(r"<(html|body|p|div)[ >]", text[:5000], re.I):
        parser = _TextOfHtml()
        parser.feed(text)
        parser._flush()
        return "\n".join(parser.lines)
    return text


# --- PDF: lines by position, joined into paragraphs -----------------------------------------------------------------

@dataclass
class _Line:
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str


def _line_text(text: str) -> str:
    # a PDF keeps no spaces, so the reader guesses them from gaps; the gap Word and LibreOffice leave between
    # Chinese and Latin characters (2023 年) is not a space in the notice
    text = re.sub(r"(?<=[0-9A-Za-z%.])\s+(?=" + CJK.pattern + ")", "", text.strip())
    return re.sub("(?<=" + CJK.pattern + r")\s+(?=[0-9A-Za-z])", "", text)


def _pdf_lines(data: bytes) -> list[_Line]:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    lines = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages):
                # a gap of a third of a character is a space; justified Chinese lines stretch theirs by less
                for line in page.extract_text_lines(return_chars=True, x_tolerance_ratio=0.3):
                    sizes = sorted(c["size"] for c in line["chars"])
                    text = _line_text(line["text"])
                    if text and not PAGE_NUMBER.match(text):
                        lines.append(_Line(number, line["x0"], line["x1"], line["top"], line["bottom"],
                                           sizes[len(sizes) // 2], text))
    except (PDFSyntaxError, PdfminerException) as exc:
        raise ValueError(f"不是有效的 PDF 文件（{type(exc).__name__}），可能已损坏") from exc
    return lines


def _pdf_text(data: bytes) -> str:
    """A PDF's text layer as paragraphs: a line running to the right margin continues on the next unless that one
    is indented or set apart, across page breaks too (Word wraps 区农业农 / 村局 where the line ends)."""
    lines = _pdf_lines(data)
    if not lines:
        raise ValueError(NO_PDF_TEXT)
    lefts, rights = sorted(line.x0 for line in lines), sorted(line.x1 for line in lines)
    left, right = lefts[len(lefts) // 10], rights[len(rights) * 9 // 10]
    paragraphs = [lines[0].text]
    for before, line in zip(lines, lines[1:]):
        full = before.x1 >= right - 1.5 * before.size
        indented = line.x0 > left + 0.5 * line.size
        apart = line.page == before.page and line.top - before.bottom > 1.2 * line.size
        if full and not indented and not apart:
            glue = "" if CJK.match(paragraphs[-1][-1]) or CJK.match(line.text[0]) else " "
            paragraphs[-1] += glue + line.text
        else:
            paragraphs.append(line.text)
    return "\n".join(paragraphs)


# --- Word 97-2003 .doc, through a converter on the machine -----------------------------------------------------------

def _doc_text(data: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/notice.doc"
        with open(path, "wb") as file:
            file.write(data)
        try:
            if shutil.which("antiword"):
                # -w 0: one paragraph a line, as the notice has it, not wrapped at 80 columns
                done = subprocess.run(["antiword", "-m", "UTF-8.txt", "-w", "0", path], capture_output=True,
                                      timeout=60)
                if done.returncode == 0:
                    return done.stdout.decode("utf-8", errors="replace")
            office = shutil.which("soffice") or shutil.which("libreoffice")
            if office:
                # a profile of its own, so that a LibreOffice the clerk has open does not swallow the conversion
                subprocess.run([office, f"-env:UserInstallation=file://{folder}/profile", "--headless",
                                "--convert-to", "txt:Text (encoded):UTF8", "--outdir", folder, path],
                               capture_output=True, timeout=180)
                with open(f"{folder}/notice.txt", encoding="utf-8-sig") as file:
                    return file.read()
        except (subprocess.TimeoutExpired, FileNotFoundError):
            pass  # the converter failed on this file: say what else the clerk can do
    raise ValueError(NO_DOC_READER)


# --- numbers -----------------------------------------------------------------------------------------------------

def chinese_number(text: str) -> int | None:
    """十五 -> 15, 两 -> 2, 一百二十 -> 120; None when it is not a Chinese numeral."""
    if not text or any(ch not in CN_DIGITS and ch not in CN_UNITS for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        else:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
    return total + current


def _value(text: str) -> float | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    number = chinese_number(text)
    # 千万元 or 百亿 alone is an order of magnitude, not a count; a lone 一 is mostly a word (一批, 统一部署)
    if number is None or text == "一" or not re.search(r"[一二两三四五六七八九十]", text):
        return None
    return float(number)


# --- structure ----------------------------------------------------------------------------------------------------

@dataclass
class _Item:
    chapter: int
    chapter_title: str
    body: str
    lead: list[str] = field(default_factory=list)
    part: list[str] = field(default_factory=list)
    open_list: bool = False
    people: list[str] = field(default_factory=list)


def _clean_lines(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        line = unicodedata.normalize("NFKC", raw).strip() if raw.strip() else ""
        # NFKC turns full-width brackets and colons half-width; the notice's own text is kept as written below
        if not line or BOILERPLATE.search(line):
            continue
        lines.append(raw.strip())
    return lines


def _item_style(lines: list[str]) -> str | None:
    counts = {style: sum(1 for line in lines if pattern.match(line)) for style, pattern in ITEM_STYLES.items()}
    style = max(counts, key=counts.get)
    if counts[style] >= 2:
        return style
    # a list of one item is still a list, unless the items are the （一） lines and this 1. is a stray number
    lone = counts[style] == 1 and sum(1 for line in lines if SUB_CHAPTER.match(line)) < 2
    return style if lone else None


SENTENCE_MARKS = re.compile(r"[。；;，,：:！？!?、（）()\[\]【】]")


def _is_sub_heading(line: str, previous: _Item) -> bool:
    """An unnumbered heading on a line of its own (加强基础设施建设) between finished items: it groups the items
    below it and is no part of the item above."""
    finished = previous.body.rstrip().endswith(("。", "）", ")", "]", "】"))
    return finished and len(line) <= 25 and not SENTENCE_MARKS.search(line)


def _units(text: str) -> tuple[list[str], bool]:
    """Unit names of a notice's list, separated by 、，,；;: (names, open list ending in 等)."""
    return split_units(text, "、，,；;"), is_open_list(text)


_UNIT_PAREN = re.compile(r"[（(\[【]([^（()）\[\]【】]*(?:牵头单位|责任单位|主责单位|牵头|配合|参与单位|配合单位|"
                         r"责任领导|分管领导)[^（()）\[\]【】]*)[）)\]】]\s*$")


def parse_units(text: str, item: _Item) -> bool:
    """Read a unit list (labelled, or name-first 区科技局牵头，区财政局配合) into item; False if it is none."""
    text = text.strip().strip("（()）[]【】").strip()
    labelled = re.findall(r"(牵头单位|责任单位|主责单位|参与单位|配合单位|协同单位|责任领导|分管领导|牵头领导)[:：]\s*"
                          r"(.*?)(?=(?:[;；,，。]\s*)?(?:牵头单位|责任单位|主责单位|参与单位|配合单位|协同单位|责任领导|"
                          r"分管领导|牵头领导)[:：]|$)", text)
    if labelled:
        # beside 牵头单位, 责任单位 names the units that take part (牵头单位：A；责任单位：B、C)
        leads_named = any(label == "牵头单位" for label, _ in labelled) or bool(item.lead)
        for label, names in labelled:
            names = names.strip().rstrip("；;,，。")
            units, open_list = _units(names)
            if label in PERSON_LABELS:
                item.people += units
            elif label in PART_LABELS or label == "责任单位" and leads_named:
                item.part += units
                item.open_list |= open_list
            else:
                item.lead += units
                item.open_list |= open_list and not item.part
        return True
    named = re.findall(r"([^，,；;]+?)(牵头|配合|参与)", text)
    if named and re.fullmatch(r"(?:[^，,；;]+?(?:牵头|配合|参与)[，,；;]?)+", text):
        for names, role in named:
            units, open_list = _units(names)
            (item.lead if role == "牵头" else item.part).extend(units)
        return True
    return False


def parse_structure(text: str) -> tuple[list[_Item], list[str], list[str]]:
    """Items in document order, the lines of introduction before the first chapter or item, and warnings."""
    lines = _clean_lines(text)
    style = _item_style(lines)
    warnings: list[str] = []
    items: list[_Item] = []
    chapter, chapter_title, intro, started = 0, "", [], False
    sub_items = style is None  # without numbered items, （一） lines are the items
    for line in lines:
        if items and PAGE_END.match(line):
            break
        chapter_match = CHAPTER.match(line)
        if chapter_match:
            chapter, chapter_title, started = chapter + 1, chapter_match.group(2).strip(), True
            continue
        sub = SUB_CHAPTER.match(line)
        if sub and not sub_items:
            started = True
            continue  # a sub-chapter heading groups items; the chapter stays the unit of the plan
        item_match = ITEM_STYLES[style].match(line) if style else None
        if item_match is None and sub_items and sub:
            item_match = sub
        if item_match:
            started = True
            items.append(_Item(chapter, chapter_title, item_match.group(2).strip()))
            continue
        if items and UNIT_LINE.match(line):
            if not parse_units(line, items[-1]):
                warnings.append(f"无法解析的单位行：{line}")
            continue
        if items and started and not _is_sub_heading(line, items[-1]):
            items[-1].body += line  # a paragraph continues the item above
        elif not started:
            intro.append(line)
    for item in items:
        match = _UNIT_PAREN.search(item.body)
        if match and parse_units(match.group(1), item):
            item.body = item.body[:match.start()].rstrip()
        item.lead = [u for u in item.lead if u]
    return items, intro, warnings


# --- targets -------------------------------------------------------------------------------------------------------

def _masked(text: str) -> str:
    """The text with quoted names, book titles and document numbers blanked out (same length)."""
    for pattern in (r"“[^”]*”", r"\"[^\"]*\"", r"《[^》]*》", r"〔[^〕]*〕\s*\d*号?", r"\[[^\]]*\]\s*\d+号"):
        text = re.sub(pattern, lambda m: "□" * len(m.group(0)), text)
    return text


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(ch, 0, start) for ch in "，。；;,：:") + 1
    rights = [i for i in (text.find(ch, end) for ch in "，。；;,") if i != -1]
    return left, min(rights) if rights else len(text)


def _indicator(text: str, left: int, start: int, end: int, right: int) -> str:
    before = re.sub(r"^(?:" + "|".join(VERBS) + r"|全年|年内|年底|力争|争取|全区|全县|全市|\d{4}年)+", "",
                    text[left:start])
    for verb in sorted(VERBS, key=len, reverse=True):
        if before.endswith(verb):
            before = before[: -len(verb)]
            break
    before = before.strip("，、 ")
    after = re.sub(r"^(?:以上|左右|以内|以下)", "", text[end:right]).strip("，、。 ")
    name = before if len(before) >= 2 else after
    return name[:40] or text[left:right][:40]


def find_targets(text: str, year: int) -> list[dict]:
    """Quantified targets in one item's text, with the phrase each was read from."""
    masked = _masked(unicodedata.normalize("NFKC", text).replace("％", "%"))
    plain = unicodedata.normalize("NFKC", text).replace("％", "%")
    found = []
    for match in TARGET.finditer(masked):
        raw, raw_max, about, unit = match.group(1), match.group(2), match.group(3), match.group(4).replace("：", ":")
        start, end = match.span()
        before = masked[max(0, start - 1):start]
        after = masked[end:end + 1]
        if re.match(r"[A-Za-z0-9.第]", before) or re.match(r"[A-Za-z]", after):
            continue  # G205, 5G, 第三届
        value = _value(raw)
        if value is None:
            continue
        left, right = _clause_bounds(masked, start, end)
        clause = masked[left:right]
        if "年产" in masked[left:start] or "总投资" in masked[left:start]:
            continue  # a figure describing a project
        later = TARGET.search(masked, end, right)
        names_more = re.match(r"(?:以上|以下)?[\u4e00-\u9fff]", masked[end:end + 3]) is not None
        threshold = masked[max(0, start - 2):start].endswith(("投资", "过", "产值", "营收", "税收"))
        if names_more and (threshold or later and not re.match(r"\s*(?:以上|左右|以内|以下)?\s*[，、。；]",
                                                                 masked[end:])):
            continue  # a threshold inside a name: 投资500万元以上技术改造项目60个
        upper = _value(raw_max) if raw_max else None
        lower = any(hint in clause for hint in LOWER_HINTS) or unit == ":1"
        level = unit in LEVEL_HINTS or any(word in clause[: start - left + 1] for word in LEVEL_WORDS) and unit == "%"
        deadline = date(year, 6, 30) if "上半年" in clause else date(year, 12, 31)
        found.append({
            "value": value, "max": upper, "unit": unit, "about": bool(about),
            "direction": "lower" if lower else "higher", "kind": "level" if level else "cumulative",
            "deadline": deadline, "indicator": _indicator(plain, left, start, end, right),
            "source_text": plain[left:right].strip(),
        })
    return found


# --- the whole notice ------------------------------------------------------------------------------------------------

def _title_and_number(text: str) -> tuple[str, str, int]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    number = next((m.group(0) for line in lines for m in [re.search(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号", line)] if m),
                  "")
    title = next((line for line in lines if re.search(r"(重点工作任务|工作要点|重点任务)$", line)
                  and "通知" not in line), "")
    if not title:
        title = next((line for line in lines if "通知" in line), lines[0] if lines else "")
    years = [int(y) for y in re.findall(r"(20\d{2})年", title or text[:500])]
    return title, number, years[0] if years else date.today().year


def guess_kind(unit: str) -> str:
    """A kind for a unit name not yet in departments.csv (for a person to confirm), at the level the name gives:
    县工信局 is a 县政府部门, 区工信局 a 区政府部门."""
    level = unit[0] if unit[:1] in ("区", "县", "旗") or unit[:1] == "市" and unit[:2] != "市场" else "区"
    if unit.startswith(("区委", "县委", "市委", "旗委")) or unit.endswith(("部", "办")) and "委" in unit:
        return f"{level}委部门"
    if "管委会" in unit or "管理委员会" in unit:
        return "功能区/管委会"
    if unit.endswith("分局") or "公安" in unit:
        return f"驻{level}单位"
    if unit.endswith("中心"):
        return "事业单位"
    if unit.endswith(("法院", "检察院")):
        return "司法机关"
    if unit.endswith(("联", "社", "团委", "妇联")):
        return "群团及其他"
    return f"{level}政府部门"


def extract(data: bytes, name: str, departments: pd.DataFrame | None = None) -> Extracted:
    """Tasks, targets and units of a notice, with warnings for a person to check."""
    text = notice_text(data, name)
    title, number, year = _title_and_number(text)
    items, intro, warnings = parse_structure(text)
    known: dict[str, str] = {}
    rows_departments = []
    if departments is not None:
        for row in departments.itertuples(index=False):
            known[row.unit] = row.unit
            for alias in str(row.aliases or "").split("、"):
                if alias.strip():
                    known[alias.strip()] = row.unit
    tasks, targets = [], []
    intro = "".join(line for line in intro if find_targets(line, year))  # the paragraphs holding headline targets
    intro_targets = find_targets(intro, year) if intro else []
    if intro_targets:
        tasks.append({"task_id": 0, "chapter": 0, "chapter_title": "总体目标", "title": "总体目标", "text": intro,
                      "lead_units": "", "participating_units": ""})
        for n, t in enumerate(intro_targets, start=1):
            targets.append(_target_row(0, n, t, ""))
    for task_id, item in enumerate(items, start=1):
        heading = item.body.split("。", 1)[0]
        lead = "、".join(item.lead) + ("等" if item.open_list and not item.part and item.lead else "")
        part = "、".join(item.part) + ("等" if item.open_list and item.part else "")
        tasks.append({"task_id": task_id, "chapter": item.chapter, "chapter_title": item.chapter_title,
                      "title": heading, "text": item.body, "lead_units": lead, "participating_units": part})
        if item.people:
            warnings.append(f"任务{task_id}：责任领导 {'、'.join(item.people)} 是人员，未计入单位")
        if not item.lead and item.chapter_title not in ("组织实施", "保障措施"):
            warnings.append(f"任务{task_id}（{heading}）：没有找到牵头单位")
        for n, t in enumerate(find_targets(item.body, year), start=1):
            targets.append(_target_row(task_id, n, t, lead))
    for t in targets:
        if t["uncertain"]:
            warnings.append(f"{t['target_id']}：{t['uncertain']}（{t['source_text']}）")
    seen = []
    for task in tasks:
        for names in (task["lead_units"], task["participating_units"]):
            for unit in split_units(names, "、，,；;"):
                canonical = known.get(unit, unit)
                if canonical not in seen:
                    seen.append(canonical)
    for unit in seen:
        if departments is not None and unit in set(departments["unit"]):
            row = departments[departments["unit"] == unit].iloc[0]
            rows_departments.append({"unit": unit, "aliases": row["aliases"], "kind": row["kind"], "uncertain": ""})
        else:
            rows_departments.append({"unit": unit, "aliases": "", "kind": guess_kind(unit),
                                     "uncertain": "新单位：请确认名称、简称和类型"})
            warnings.append(f"新单位，请确认：{unit}")
    meta = {"title": title, "document_number": number, "start": date(year, 1, 1), "end": date(year, 12, 31)}
    return Extracted(
        pd.DataFrame(tasks, columns=["task_id", "chapter", "chapter_title", "title", "text", "lead_units",
                                     "participating_units"]),
        pd.DataFrame(targets, columns=["target_id", "task_id", "indicator", "target_value", "target_max", "unit",
                                       "direction", "kind", "deadline", "lead_units", "source_text", "baseline",
                                       "schedule", "uncertain"]),
        pd.DataFrame(rows_departments, columns=["unit", "aliases", "kind", "uncertain"]),
        meta, warnings)


def _target_row(task_id: int, n: int, t: dict, lead: str) -> dict:
    doubts = []
    if t["about"]:
        doubts.append("“余”：按下限计")
    if len(t["indicator"]) < 2:
        doubts.append("指标名称不明确")
    if t["unit"] == "%" and t["kind"] == "cumulative":
        doubts.append("百分比指标按累计类处理，请确认")
    return {"target_id": f"T{task_id:02d}-{n}", "task_id": task_id, "indicator": t["indicator"],
            "target_value": f"{t['value']:g}", "target_max": "" if t["max"] is None else f"{t['max']:g}",
            "unit": t["unit"], "direction": t["direction"], "kind": t["kind"], "deadline": t["deadline"].isoformat(),
            "lead_units": lead, "source_text": t["source_text"], "baseline": "", "schedule": "",
            "uncertain": "；".join(doubts)}


def write(extracted: Extracted, directory, plan_id: str) -> None:
    """Write tasks.csv, targets.csv, departments.csv and plan.toml into directory."""
    from pathlib import Path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    extracted.tasks.to_csv(directory / "tasks.csv", index=False, lineterminator="\n")
    extracted.targets.to_csv(directory / "targets.csv", index=False, lineterminator="\n")
    extracted.departments.to_csv(directory / "departments.csv", index=False, lineterminator="\n")
    meta = extracted.meta
    escape = lambda s: s.replace("\\", "\\\\").replace('"', '\\"')  # noqa: E731
    (directory / "plan.toml").write_text(
        f'id = "{escape(plan_id)}"\ntitle = "{escape(meta["title"])}"\n'
        f'document_number = "{escape(meta["document_number"])}"\nstart = {meta["start"]}\nend = {meta["end"]}\n',
        encoding="utf-8")
