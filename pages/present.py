"""汇报: the meeting deck as full-width slides for the projector, with button and keyboard navigation."""
from datetime import timedelta

import pandas as pd
import streamlit as st

import ui
from tracker import charts, deck
from tracker.charts import STATUS_COLORS
from tracker.exports import ledger_xlsx
from tracker.pptx import to_pptx

ui.guard("present")
snap = ui.snapshot()
plan = snap.plan
st.html("""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] { display: none; }
.block-container { padding: 0.8rem 2.5rem 4.2rem; max-width: 100%; }
/* the controls stay in one place at the foot of the screen, whatever the slide holds */
.st-key-controls { position: fixed; bottom: 0; left: 0; right: 0; padding: 0.6rem 2.5rem; z-index: 100;
  background: rgba(255, 255, 255, 0.96); border-top: 1px solid #e5e7eb; }
h1 { font-size: 2.4rem !important; padding: 0 !important; }
[data-testid="stMetricValue"] { font-size: 2.4rem; line-height: 1.2; }
[data-testid="stMetricLabel"] p { font-size: 1.15rem; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1.05rem; padding: 0.2rem 0.5rem; }
[data-testid="stTable"] tbody th, [data-testid="stTable"] tbody th *, [data-testid="stTable"] td:last-child,
[data-testid="stTable"] td:last-child * { white-space: nowrap !important; word-break: keep-all; }  /* codes, statuses */
/* narrow screens: the controls take two rows */
@media (max-width: 1180px) { .block-container { padding-bottom: 7.5rem; } }
/* one line for the plan line under the title: a long plan title is cut, the sample mark comes first */
div[class*="st-key-slide-"] [data-testid="stCaptionContainer"] p { white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
div[class*="st-key-slide-"] div[class*="st-key-aside-"] [data-testid="stCaptionContainer"] p { white-space: normal; }
/* a caption is grey through its colour, not its opacity, which would pale the red marks in it as well */
div[class*="st-key-slide-"] [data-testid="stCaptionContainer"] { opacity: 1; color: rgba(47, 45, 43, 0.6); }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  header, [data-testid="stToolbar"], .st-key-controls, iframe { display: none !important; }
  /* one slide a page, exactly: a slide is cut to the page rather than spilling onto the next one */
  div[class*="st-key-slide-"] { break-after: page; page-break-after: always; break-inside: avoid;
    max-height: 185mm; overflow: hidden; }
  [data-testid="stElementContainer"]:has(div[class*="st-key-slide-"]):last-of-type div[class*="st-key-slide-"],
  div[class*="st-key-slide-"]:last-of-type { break-after: auto; page-break-after: auto; }
  .block-container { padding: 0 !important; }
}
</style>""")
# Arrow keys, PageUp/PageDown (what presentation clickers send) and space turn the pages. The listener is installed
# first thing (in the sidebar, which this page hides, so that it takes no room), and a key pressed before the slide's
# buttons are drawn waits for them, so no key is lost while the page loads.
st.sidebar.html("""<script>
if (!document.__slideKeys) {
  document.__slideKeys = true;
  let pending = null;
  const press = (which) => {
    const button = document.querySelector(`.st-key-${which} button`);
    if (!button) return false;
    if (!button.disabled) button.click();
    return true;
  };
  const wait = (which, since) => {
    if (pending !== which || press(which) || performance.now() - since > 10000) { pending = null; return; }
    requestAnimationFrame(() => wait(which, since));
  };
  document.addEventListener("keydown", (event) => {
    if (!location.pathname.endsWith("/present")) return;
    const target = event.target;
    // typing in a field is left alone, but a closed list (the slide list after a jump) hands the keys back
    const closedList = target.getAttribute("role") === "combobox" && target.getAttribute("aria-expanded") !== "true";
    if (["INPUT", "TEXTAREA"].includes(target.tagName) && !closedList) return;
    const which = ["ArrowRight", "PageDown", " "].includes(event.key) ? "next"
      : ["ArrowLeft", "PageUp"].includes(event.key) ? "prev" : null;
    if (!which) return;
    event.preventDefault();
    if (closedList) target.blur();
    if (!press(which)) { pending = which; wait(which, performance.now()); }
  }, true);  // capture: the list's own key handling must not swallow the key first
}
</script>""", unsafe_allow_javascript=True)
# A 1280×720 projector: title, date line and figures take about 230 px and the controls 60, charts get the rest.
CHART_HEIGHT = 380
ASIDE_LINE, ASIDE_CHARACTERS = 40, 60  # px of a caption line; its characters at 1280 px
ASIDE_LINES_ON_TOP = 2

since = st.session_state.get("present_since") or max(plan.start, snap.as_of - timedelta(days=30))
slides = ui.memo_compare(deck.build, since)
index = min(st.session_state.get("slide", 0), len(slides) - 1)
st.session_state.setdefault("slide_jump", index)


def _go(step: int) -> None:
    st.session_state["slide"] = max(0, min(len(slides) - 1, st.session_state.get("slide", 0) + step))
    st.session_state["slide_jump"] = st.session_state["slide"]


def _jump() -> None:
    st.session_state["slide"] = st.session_state["slide_jump"]


def _status_colours(table: pd.DataFrame):
    """The table with its 状态 cells in their status colour, as on the other pages."""
    colours = {ui.status_text(code): colour for code, colour in STATUS_COLORS.items()}
    return table.style.map(lambda v: f"background-color: {colours[v]}; color: white; font-weight: 700"
                           if v in colours else "", subset=[c for c in table.columns if c == "状态"])


def draw(slide: deck.Slide, number: int) -> None:
    """One slide: title, plan and date line, big figures, then its charts or table."""
    with st.container(key=f"slide-{number}"):
        st.title(ui.plain(slide.title))
        marks = [ui.T("sample_short")] * snap.has_samples + [ui.T("unreviewed_short")] * snap.unreviewed
        sample = "".join(f":red[**{mark}**] · " for mark in marks)
        st.caption(f"{sample}{number + 1}/{len(slides)} · {ui.T('as_of')} {snap.as_of:%Y-%m-%d} · "
                   f"{ui.plain(plan.meta.get('document_number', ''))} · {ui.plain(plan.title)}")
        # A short note (a change or two) goes under the plan line, the charts giving up its height, since at the foot
        # the controls would cover it; a long one (the overview's list of what has no targets) stays at the foot.
        lines = -(-len(slide.aside) // ASIDE_CHARACTERS)
        short = 0 < lines <= ASIDE_LINES_ON_TOP
        if short:
            st.container(key=f"aside-{number}").caption(ui.plain(slide.aside))
        if slide.metrics and slide.key != "title":
            for column, (name, value) in zip(st.columns(len(slide.metrics[:9])), slide.metrics[:9]):
                column.metric(name, value)
        if slide.key == "title":
            st.markdown("\n\n".join(f"### {name}：{ui.plain(value)}" for name, value in slide.metrics))
        height = CHART_HEIGHT - ASIDE_LINE * lines if short else CHART_HEIGHT
        bars = None if slide.bars is None else charts.completion_bars(
            slide.bars, "label", slide.time_progress, slide.bars_title).update_layout(height=height)
        if slide.counts is not None and bars is not None:
            left, right = st.columns([2, 3])
            ui.chart(charts.status_donut(slide.counts).update_layout(height=height), left,
                     key=f"donut-{number}")
            ui.chart(bars, right, key=f"bars-{number}")
        elif bars is not None:
            ui.chart(bars, key=f"bars-{number}")
        if slide.table is not None and len(slide.table):
            st.table(_status_colours(slide.table.set_index(slide.table.columns[0])))
        if slide.aside and not short:
            st.caption(ui.plain(slide.aside))


print_all = bool(st.session_state.get("print_all"))
if print_all:
    st.html("""<style>div[class*="st-key-slide-"] { padding-bottom: 2rem; margin-bottom: 1.5rem;
      border-bottom: 3px solid #d1d5db; }</style>""")  # on screen, where one slide ends and the next begins
    for number, slide in enumerate(slides):
        draw(slide, number)
else:
    draw(slides[index], index)

with st.container(key="controls", horizontal=True, vertical_alignment="center"):
    st.button(ui.T("slide_prev"), on_click=_go, args=(-1,), disabled=index == 0 or print_all, key="prev")
    st.button(ui.T("slide_next"), on_click=_go, args=(1,), disabled=index == len(slides) - 1 or print_all,
              key="next")
    st.selectbox(ui.T("slide_jump"), range(len(slides)), key="slide_jump", on_change=_jump, width=280,
                 format_func=lambda i: f"{i + 1}. {slides[i].title}", label_visibility="collapsed",
                 disabled=print_all)
    st.caption(ui.T("changes_since"), width="content")
    st.date_input(ui.T("meeting_date"), value=since, min_value=plan.start, max_value=snap.as_of, width=160,
                  key="present_since", label_visibility="collapsed", format="YYYY-MM-DD", help=ui.T("meeting_date"))
    st.download_button(ui.T("download_pptx"), lambda: to_pptx(plan, slides, snap.as_of), on_click="ignore",
                       file_name=f"调度会汇报_{snap.as_of:%Y%m%d}.pptx",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
    if ui.allowed("export"):
        st.download_button(ui.T("download_ledger"), lambda: ledger_xlsx(snap, ui.store().batches(plan.id)),
                           on_click="ignore", file_name=f"台账_{snap.as_of:%Y%m%d}.xlsx", key="download_ledger",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.toggle(ui.T("print_all"), key="print_all", help=ui.T("print_all_help"))
    st.page_link("pages/overview.py", label=ui.T("slide_exit"), icon=":material/close:")
