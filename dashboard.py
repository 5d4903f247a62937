"""督办看板 entry point: page setup, shared sidebar controls and navigation."""
import streamlit as st

import ui
from tracker.problems import ProblemsError

ui.route()
st.set_page_config(page_title="督办看板", page_icon="📋", layout="wide")
st.markdown("""<style>
[data-testid="stMetricValue"] { font-size: 2.8rem; font-weight: 700; }
[data-testid="stMetricLabel"] p { font-size: 1.15rem; }
h1 { font-size: 2.4rem !important; }
[data-testid="stCaptionContainer"] { font-size: 1.05rem; }
.block-container { padding-top: 2.5rem; }
</style>""", unsafe_allow_html=True)

def _switch_plan() -> None:
    for key in ("as_of", "unit"):  # dates and units belong to the plan left behind
        st.session_state.pop(key, None)


with st.sidebar:
    st.radio(ui.i18n.t("language"), ["zh", "en"], key="lang", horizontal=True,
             format_func=lambda code: "中文" if code == "zh" else "English")
    choices = ui.plans()
    if len(choices) > 1:
        names = {str(path): plan_id for plan_id, path in choices.items()}
        st.selectbox(ui.T("plan"), list(names), key="plan_dir", format_func=names.get, on_change=_switch_plan)

try:
    plan = ui.plan()
except ProblemsError as exc:
    st.error(ui.T("plan_error") + "\n\n" + "\n".join(f"- {p.message()}" for p in exc.problems))
    st.stop()

with st.sidebar:
    if "as_of" not in st.session_state:
        st.session_state["as_of"] = ui.default_date()
    st.date_input(ui.T("as_of"), key="as_of", min_value=plan.start, max_value=plan.end, format="YYYY-MM-DD")
    st.selectbox(ui.T("unit_filter"), [ui.ALL_UNITS, *plan.units], key="unit",
                 format_func=lambda unit: ui.T("all_units") if unit == ui.ALL_UNITS else unit)

pages = [
    st.Page("pages/overview.py", title=ui.T("overview"), icon=":material/dashboard:", default=True),
    st.Page("pages/departments.py", title=ui.T("departments"), icon=":material/account_balance:", url_path="departments"),
    st.Page("pages/tasks.py", title=ui.T("tasks"), icon=":material/list_alt:", url_path="tasks"),
    st.Page("pages/targets.py", title=ui.T("targets"), icon=":material/speed:", url_path="targets"),
    st.Page("pages/present.py", title=ui.T("present"), icon=":material/slideshow:", url_path="present"),
    st.Page("pages/warnings.py", title=ui.T("warnings"), icon=":material/warning:", url_path="warnings"),
    st.Page("pages/trends.py", title=ui.T("trends"), icon=":material/trending_up:", url_path="trends"),
    st.Page("pages/ranking.py", title=ui.T("ranking_page"), icon=":material/leaderboard:", url_path="ranking"),
    st.Page("pages/problems.py", title=ui.T("problems_page"), icon=":material/report_problem:", url_path="problems"),
    st.Page("pages/meeting.py", title=ui.T("meeting"), icon=":material/compare_arrows:", url_path="meeting"),
    st.Page("pages/plan_import.py", title=ui.T("plan_import"), icon=":material/note_add:", url_path="plan_import"),
    st.Page("pages/report.py", title=ui.T("report"), icon=":material/upload_file:", url_path="report"),
    st.Page("pages/batches.py", title=ui.T("batches"), icon=":material/history:", url_path="batches"),
]
st.navigation(pages).run()
