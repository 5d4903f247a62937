"""Write xiling-2024.docx, a test notice in Word format, next to this file.

Only the standard library: a .docx is a zip of a few XML parts. This writes the minimum Word
opens ([Content_Types].xml, _rels/.rels, word/document.xml), one <w:p> per paragraph of the
notice. Some paragraphs are split over several runs (<w:r>), as Word does after editing, even
in the middle of a number phrase; readers must join the runs of a paragraph before parsing.
The output is byte-for-byte reproducible (fixed zip timestamps).

    python tests/notices/make_docx.py [OUT.docx]
    python tests/notices/make_docx.py --text NOTICE.txt OUT.docx   (one justified paragraph per line of NOTICE.txt)

The second form is how hedong-2023.pdf was made: the Hedong notice as Word would hold it, then
`soffice --headless --convert-to pdf OUT.docx`, the way an office prints its notice to PDF.
"""
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent

# One entry per paragraph. A str is one plain run; a tuple of (text, style) pairs is several runs
# (style: "" plain, "b" bold, "h" heading font and bold). "CENTER:" / "RIGHT:" prefixes align it.
PARAGRAPHS = [
    ("CENTER:", (("西岭区人民政府办公室关于印发西岭区2024年重点工作任务的通知", "h"),)),
    ("CENTER:", "西政办发〔2024〕12号"),
    "",
    "各街道办事处，区政府各部门，西岭高新区管委会：",
    "《西岭区2024年重点工作任务》已经区政府第36次常务会议研究通过，现印发给你们，请认真贯彻执行。",
    "",
    ("RIGHT:", "西岭区人民政府办公室"),
    ("RIGHT:", "2024年3月5日"),
    "",
    ("CENTER:", (("西岭区2024年重点工作任务", "h"),)),
    "根据《西岭区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要》和区第十二次党代会部署，结合2024年区政府工作报告，制定本任务清单。",
    (("一、加快城市更新", "h"),),
    (("1.推进老旧小区改造。", "b"), ("全年完成老旧小区改造45个。9月底前完成既有住宅加装电梯60部。", "")),
    "牵头单位：区住房和城乡建设局",
    "配合单位：区城市管理局",
    (("2.实施城市道路畅通工程。", "b"), ("打通断头路6条，改造提升背街小巷20条以上，年底前完成建设路二期、滨河路3号桥改造，新增公共停车泊位超过2000个。", ""), ("（牵头单位：区交通运输局；配合单位：区住房和城乡建设局、区自然资源局）", "")),
    "3.全年新建改造城市燃气、供水、排水管网80公里，城市污水处理率保持在98%以上。",
    "责任单位：区住房和城乡建设局、区城市管理局",
    (("二、做强产业支撑", "h"),),
    (("4.壮大先进制造业。", "b"), ("加快年产8000吨锂电池隔膜、西岭电子信息产业园二期等项目建设，全年规模以上工业增加值增长8%，工业投资完成", ""), ("45亿元。", ""), ("（责任领导：陈晓东副区长；牵头单位：区工业和信息化局；配合单位：区发展和改革局、西岭高新区管委会）", "")),
    (("5.发展现代服务业。", "b"), ("社会消费品零售总额增长7%左右，新增限额以上商贸企业50家，力争培育市级夜间经济集聚区两个。（区商务局牵头；区文化和旅游局、区市场监督管理局配合）", "")),
    (("6.培育创新主体。", "b"), ("高新技术企业总数超过180家，新增科技型中小企业100家以上，技术合同成交额突破15亿元。", "")),
    "责任领导：刘文静副区长",
    "牵头单位：区科学技术局",
    "参与单位：区工业和信息化局，区财政局",
    (("三、优化营商环境", "h"),),
    (("7.提升政务服务效能。", "b"), ("上半年实现高频政务服务事项“一网通办”比例达到95%。政务服务“好差评”满意率保持在99%以上。（牵头单位：区行政审批服务局，参与单位：区大数据中心）", "")),
    (("8.减轻企业负担。", "b"), ("落实减税降费政策，全年为企业减负2.5亿元以上，政府性融资担保费率控制在1%以内。", "")),
    "牵头单位：区财政局",
    "配合单位：区税务局、区地方金融服务中心等",
    (("9.依法保护市场主体权益。", "b"), ("严格落实《优化营商环境条例》，开展第二轮涉企违规收费专项整治，全面清理拖欠中小企业账款。（牵头单位：区司法局；配合单位：区市场监督管理局、区工业和信息化局）", "")),
    (("四、兜牢民生底线", "h"),),
    (("10", "b"), (".稳就业促增收。", "b"), ("城镇新增就业8000人，城镇调查失业率控制在5.5%以内，发放创业担保贷款1.5亿元。（区人力资源和社会保障局牵头，区财政局配合）", "")),
    (("11.办好人民满意教育。", "b"), ("新建、改扩建中小学和幼儿园6所，新增学位5400个，创建省级劳动教育示范校1-2所。", "")),
    "牵头单位：区教育和体育局",
    (("12.提升医疗保障水平。", "b"), ("城乡居民基本医疗保险参保率稳定在95%以上，年底前实现“15分钟医保服务圈”全覆盖。（牵头单位：区医疗保障局）", "")),
    (("五、加强组织保障", "h"),),
    (("13.强化责任落实。", "b"), ("各牵头单位要建立工作台账，每月5日前报送上月工作进展情况，区政府督查室定期通报。", "")),
]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""

FONTS = {
    "": '<w:rFonts w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312" w:hAnsi="Times New Roman"/>',
    "b": '<w:rFonts w:ascii="Times New Roman" w:eastAsia="楷体_GB2312" w:hAnsi="Times New Roman"/><w:b/>',
    "h": '<w:rFonts w:ascii="Times New Roman" w:eastAsia="黑体" w:hAnsi="Times New Roman"/><w:b/>',
}


def run(text, style=""):
    return (f'<w:r><w:rPr>{FONTS[style]}<w:sz w:val="32"/></w:rPr>'
            f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')


def paragraph(entry, justify=False):
    align = "both" if justify else ""
    if isinstance(entry, tuple) and entry and isinstance(entry[0], str) and entry[0].endswith(":") \
            and entry[0] in ("CENTER:", "RIGHT:"):
        align = {"CENTER:": "center", "RIGHT:": "right"}[entry[0]]
        entry = entry[1]
    ppr = '<w:pPr><w:spacing w:line="560" w:lineRule="exact"/>'
    ppr += f'<w:jc w:val="{align}"/>' if align else ""
    ppr += '<w:ind w:firstLineChars="200" w:firstLine="640"/>' if align in ("", "both") else ""
    ppr += '</w:pPr>'
    if entry == "":
        return f"<w:p>{ppr}</w:p>"
    runs = [(entry, "")] if isinstance(entry, str) else list(entry)
    body = []
    for i, (text, style) in enumerate(runs):
        if i:  # markup Word leaves between runs after editing; it carries no text
            body.append('<w:proofErr w:type="gramStart"/>')
        body.append(run(text, style))
        if i:
            body.append('<w:proofErr w:type="gramEnd"/>')
    return f"<w:p>{ppr}{''.join(body)}</w:p>"


def document_xml(paragraphs=PARAGRAPHS, justify=False):
    paras = "".join(paragraph(p, justify) for p in paragraphs)
    sect = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
            '<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="992" w:gutter="0"/>'
            '</w:sectPr>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{paras}{sect}</w:body></w:document>')


def write(out, paragraphs=PARAGRAPHS, justify=False):
    parts = [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
             ("word/document.xml", document_xml(paragraphs, justify))]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, text.encode("utf-8"))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--text"]:
        lines = Path(sys.argv[2]).read_text(encoding="utf-8").splitlines()
        out = Path(sys.argv[3])
        write(out, [line.strip() for line in lines if line.strip()], justify=True)
    else:
        out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "xiling-2024.docx"
        write(out)
    print(out)
