"""督办看板 entry point: page setup, shared sidebar controls and navigation."""
import streamlit as st

import ui
from tracker.i18n import ROLE_LABELS
from tracker.validation import ProblemsError

ui.route()
st.set_page_config(page_title="督办看板", page_icon="📋", layout="wide")
st.html("""<style>
[data-testid="stMetricValue"] { font-size: 2.8rem; font-weight: 700; }
[data-testid="stMetricLabel"] p { font-size: 1.15rem; }
h1 { font-size: 2.4rem !important; }
[data-testid="stCaptionContainer"] { font-size: 1.05rem; }
.block-container { padding-top: 2.5rem; }
</style>""")


def _switch_plan() -> None:
    for key in ("as_of", "unit"):  # dates and units belong to the plan left behind
        st.session_state.pop(key, None)


with st.sidebar:
    st.radio(ui.i18n.t("language"), ["zh", "en"], key="lang", horizontal=True,
             format_func=lambda code: "中文" if code == "zh" else "English")

user = ui.current_user()
if user is None:
    ui.login_page()
    st.stop()

with st.sidebar:
    if user is ui.LOCAL_ADMIN:
        st.info(ui.T("local_admin_banner"), icon=":material/lock_open:")
    else:
        role = ui.i18n.label(ROLE_LABELS, user.role, ui.lang()) + (f" · {user.unit}" if user.unit else "")
        st.caption(ui.T("signed_in", name=user.name, role=role))
        st.button(ui.T("logout"), on_click=ui.logout, key="logout")
    choices = ui.plans()
    if len(choices) > 1 and user.can("view"):  # a unit's clerk reports on the default plan only
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

# section -> (file, title key, icon); each role is shown only the pages it may open, and each page checks again.
SECTIONS = {
    "section_board": [("overview", "overview", "dashboard"), ("departments", "departments", "account_balance"),
                      ("tasks", "tasks", "list_alt"), ("targets", "targets", "speed"),
                      ("present", "present", "slideshow")],
    "section_supervise": [("warnings", "warnings", "warning"), ("trends", "trends", "trending_up"),
                          ("ranking", "ranking_page", "leaderboard"), ("problems", "problems_page", "report_problem"),
                          ("meeting", "meeting", "compare_arrows")],
    "section_report": [("report", "report", "upload_file"), ("batches", "batches", "history")],
    "section_manage": [("plan_import", "plan_import", "note_add"), ("admin", "admin", "admin_panel_settings")],
}
# Pages a role may not open are registered but hidden, so that their address shows the page's own refusal
# (in the user's language) rather than Streamlit's "page not found".
pages = {ui.T(section): [st.Page(f"pages/{name}.py", title=ui.T(title), icon=f":material/{icon}:", url_path=name,
                                 default=name == "overview",
                                 visibility="visible" if user.may_open(name) else "hidden")
                         for name, title, icon in entries]
         for section, entries in SECTIONS.items()}
ui.keep_session_in_browser()
ui.hold_charts_until_painted()
shown = {section: entries for section, entries in pages.items() if any(p.visibility == "visible" for p in entries)}
hidden = [p for section, entries in pages.items() if section not in shown for p in entries]
st.navigation({**shown, **({"": hidden} if hidden else {})}, expanded=True).run()
