"""汇报: the meeting deck as full-width slides for the projector, with button and keyboard navigation."""
from datetime import timedelta

import pandas as pd
import streamlit as st

import ui
from tracker import charts, deck
from tracker.slides import to_pptx

ui.guard("present")
snap = ui.snapshot()
plan = snap.plan
st.markdown("""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
.block-container { padding-top: 1.2rem; max-width: 100%; }
h1 { font-size: 2.8rem !important; padding-top: 0.2rem !important; }
[data-testid="stMetricValue"] { font-size: 2.6rem; }
[data-testid="stMetricLabel"] p { font-size: 1.2rem; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1.35rem; }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  header, [data-testid="stToolbar"], .stButton, .stDownloadButton, [data-testid="stSelectbox"],
  [data-testid="stDateInput"], [data-testid="stCheckbox"], iframe { display: none !important; }
  div[class*="st-key-slide-"] { break-after: page; page-break-after: always; }
}
</style>""", unsafe_allow_html=True)

since = st.session_state.get("present_since") or max(plan.start, snap.as_of - timedelta(days=30))
slides = ui.memo_compare(deck.build, since)
index = min(st.session_state.get("slide", 0), len(slides) - 1)
st.session_state.setdefault("slide_jump", index)


def _go(step: int) -> None:
    st.session_state["slide"] = max(0, min(len(slides) - 1, st.session_state.get("slide", 0) + step))
    st.session_state["slide_jump"] = st.session_state["slide"]


def _jump() -> None:
    st.session_state["slide"] = st.session_state["slide_jump"]


def draw(slide: deck.Slide, number: int) -> None:
    """One slide: title, plan and date line, big figures, then its charts or table."""
    with st.container(key=f"slide-{number}"):
        st.title(ui.plain(slide.title))
        if snap.has_samples:
            st.warning(ui.T("sample_banner"))
        st.caption(f"{ui.plain(plan.title)}（{ui.plain(plan.meta.get('document_number', ''))}） · {ui.T('as_of')} {snap.as_of:%Y-%m-%d} · "
                   f"{number + 1}/{len(slides)}")
        if slide.metrics and slide.key != "title":
            for column, (name, value) in zip(st.columns(len(slide.metrics[:9])), slide.metrics[:9]):
                column.metric(name, value)
        if slide.key == "title":
            for name, value in slide.metrics:
                st.markdown(f"## {name}：{ui.plain(value)}")
        if slide.counts is not None and slide.bars is not None:
            left, right = st.columns([2, 3])
            ui.chart(charts.status_donut(slide.counts), left, key=f"donut-{number}")
            ui.chart(charts.completion_bars(slide.bars, "label", snap.time_progress, slide.bars_title), right,
                     key=f"bars-{number}")
        elif slide.bars is not None:
            ui.chart(charts.completion_bars(slide.bars, "label", snap.time_progress, slide.bars_title),
                     key=f"bars-{number}")
        if slide.table is not None and len(slide.table):
            st.table(slide.table.set_index(slide.table.columns[0]))


controls = st.columns([1, 1, 3, 2, 2, 1])
controls[0].button("◀ 上一页", on_click=_go, args=(-1,), disabled=index == 0, key="prev", width="stretch")
controls[1].button("下一页 ▶", on_click=_go, args=(1,), disabled=index == len(slides) - 1, key="next",
                   width="stretch")
controls[2].selectbox("跳转", range(len(slides)), key="slide_jump", on_change=_jump,
                      format_func=lambda i: f"{i + 1}. {slides[i].title}", label_visibility="collapsed")
controls[3].date_input(ui.T("meeting_date"), value=since, min_value=plan.start, max_value=snap.as_of,
                       key="present_since", label_visibility="collapsed", format="YYYY-MM-DD")
controls[4].download_button("下载 PPT", lambda: to_pptx(plan, slides, snap.as_of), on_click="ignore",
                            file_name=f"调度会汇报_{snap.as_of:%Y%m%d}.pptx", width="stretch",
                            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
controls[5].page_link("pages/overview.py", label="退出", icon=":material/close:")
print_all = st.toggle("全部幻灯片（用于打印：浏览器打印，A4 横向）", key="print_all")

if print_all:
    for number, slide in enumerate(slides):
        draw(slide, number)
else:
    draw(slides[index], index)

# Arrow keys, PageUp/PageDown (what presentation clickers send) and space turn the pages.
st.iframe("""<script>
const doc = window.parent.document;
if (!doc.__slideKeys) {
  doc.__slideKeys = true;
  doc.addEventListener("keydown", (event) => {
    if (["INPUT", "TEXTAREA"].includes(event.target.tagName)) return;
    const next = ["ArrowRight", "PageDown", " "].includes(event.key);
    const prev = ["ArrowLeft", "PageUp"].includes(event.key);
    if (!next && !prev) return;
    const label = next ? "下一页" : "上一页";
    const button = [...doc.querySelectorAll("button")].find(b => b.innerText.includes(label));
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  });
}
</script>""", height=1)
