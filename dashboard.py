"""督办看板 entry point: page setup, shared sidebar controls, and the page this run's address names (tracker.navigation)."""
import streamlit as st

import ui
from tracker.errors import report
from tracker.i18n import ROLE_LABELS
from tracker.validation import ProblemsError

st.set_page_config(page_title="督办看板", page_icon="📋", layout="wide")
st.html("""<style>
[data-testid="stMetricValue"] { font-size: 2.8rem; font-weight: 700; }
[data-testid="stMetricLabel"] p { font-size: 1.15rem; }
/* a label that does not fit its column wraps rather than being cut ("Severely behind" at 1024 px) */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; overflow-wrap: normal; word-break: keep-all; }
[class*="st-key-kpi_"] [data-testid="stMetricLabel"] p { font-size: 1rem; }  /* seven a row on 总览 at 1024 px */
[data-testid="stWidgetLabel"] p { overflow-wrap: normal; word-break: keep-all; }
h1 { font-size: 2.4rem !important; }
[data-testid="stCaptionContainer"] { font-size: 1.05rem; }
.block-container { padding-top: 2.5rem; }
/* the page list (ui.run_page) spaced and coloured like Streamlit's own, with its line underneath */
.st-key-page_list { gap: 0; padding-bottom: calc(1rem + 2px); margin-bottom: 0.5rem; border-bottom: 1px solid rgba(47, 45, 43, 0.2); }
.st-key-page_list [data-testid="stCaptionContainer"] { margin: 15.75px 0 4.5px; opacity: 1; }
.st-key-page_list > :first-child [data-testid="stCaptionContainer"] { margin-top: 0; }
.st-key-page_list [data-testid="stCaptionContainer"] p { margin: 0; font-size: 0.875rem; font-weight: 500;
  line-height: 1.5; color: rgba(47, 45, 43, 0.8); }
.st-key-page_list [data-testid="stElementContainer"]:has([data-testid="stPageLink"]) { margin: 0 0 2.25px; }
.st-key-page_list a, .st-key-page_list a p { color: rgba(47, 45, 43, 0.8); }
.st-key-page_list a [data-testid="stIconMaterial"] { color: rgba(47, 45, 43, 0.6); }
[class*="st-key-print_copy_"] { display: none; }  /* ui.status_table's copy for paper */
/* printing any page: no sidebar, header or controls; charts whole; tables in full, not their visible rows */
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stElementToolbar"], [data-testid="stDecoration"],
  [class*="st-key-kpi_open_"], .stButton, .stDownloadButton { display: none !important; }
  [data-testid="stMain"], .block-container { margin: 0 !important; padding: 0 !important; max-width: 100% !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"] { overflow: visible !important; height: auto !important; }
  [data-testid="stPlotlyChart"], .js-plotly-plot, [data-testid="stMetric"] { break-inside: avoid; page-break-inside: avoid; }
  [class*="st-key-print_copy_"] { display: block !important; }
  [data-testid="stElementContainer"]:has(+ [class*="st-key-print_copy_"]) { display: none !important; }
  [class*="st-key-print_copy_"] tr { break-inside: avoid; }
  [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
}
</style>""")


def _switch_plan() -> None:
    for key in ("as_of", "unit"):  # dates and units belong to the plan left behind
        st.session_state.pop(key, None)


def _run() -> None:
    # filled once the user is known: the list stays at the top of the sidebar
    page_list = st.sidebar.container(key="page_list")
    ui.remember_lang()  # before the radio, which would otherwise set the default first
    # The file uploader's own words are Streamlit's, in English: only a style can replace them. Only the browse button
    # is relabelled: the icon buttons a chosen file brings (remove, add) carry an aria-label and keep their icons.
    if ui.lang() == "zh":
        st.html(f"""<style>
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::before {{ font-size: 0.875rem;
  content: "{ui.T('uploader_limit', mb=st.get_option('server.maxUploadSize'))}"; }}
[data-testid="stFileUploaderDropzone"] button:not([aria-label]),
[data-testid="stFileUploaderDropzone"] button:not([aria-label]) * {{ font-size: 0 !important; }}
[data-testid="stFileUploaderDropzone"] button:not([aria-label])::after {{ font-size: 1rem; white-space: nowrap;
  content: "{ui.T('uploader_button')}"; }}
</style>""")
    with st.sidebar:
        st.radio(ui.i18n.t("language"), ["zh", "en"], key="lang", horizontal=True,
                 format_func=lambda code: "中文" if code == "zh" else "English")

    user = ui.current_user()
    if user is None:
        if "first_account_notice" in st.session_state:  # left by 账户与审计 when the first account was made
            st.success(st.session_state.pop("first_account_notice"), icon=":material/how_to_reg:")
        ui.login_page()
        st.stop()

    with st.sidebar:
        if user is ui.LOCAL_ADMIN:
            st.info(ui.T("local_admin_banner"), icon=":material/lock_open:")
        else:
            role = ui.i18n.label(ROLE_LABELS, user.role, ui.lang()) + (f" · {ui.plain(user.unit)}" if user.unit else "")
            st.caption(ui.T("signed_in", name=ui.plain(user.name), role=role))  # names as written, never as Markdown
            st.button(ui.T("logout"), on_click=ui.logout, key="logout")
        choices = ui.plans()
        if len(choices) > 1 and user.can("view"):  # a unit's clerk reports on the default plan only
            names = {str(path): plan_id for plan_id, path in choices.items()}
            st.selectbox(ui.T("plan"), list(names), placeholder=ui.T("choose"), key="plan_dir", format_func=names.get, on_change=_switch_plan)

    try:
        plan = ui.plan()
    except ProblemsError as exc:
        st.error(ui.T("plan_error") + "\n\n" + "\n".join(f"- {p.message()}" for p in exc.problems))
        st.stop()

    with st.sidebar:
        if "as_of" not in st.session_state:
            st.session_state["as_of"] = ui.default_date()
        st.date_input(ui.T("as_of"), key="as_of", min_value=plan.start, max_value=plan.end, format="YYYY-MM-DD")
        st.selectbox(ui.T("unit_filter"), [ui.ALL_UNITS, *plan.units], placeholder=ui.T("choose"), key="unit",
                     format_func=lambda unit: ui.T("all_units") if unit == ui.ALL_UNITS else unit)
        if user.can("view") and ui.reviewing():  # leaders may look ahead at figures still waiting for review
            st.toggle(ui.T("include_unreviewed"), key=ui.INCLUDE_UNREVIEWED, help=ui.T("include_unreviewed_help"))

    ui.keep_session_in_browser()
    ui.run_page(user, page_list)


try:
    _run()
except Exception as exc:  # anything unexpected: a short message here, the traceback in the server's log
    st.error(report(exc))
