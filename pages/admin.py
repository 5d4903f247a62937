"""账户与审计: accounts and roles, the audit log, and backups (download, checked restore)."""
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from tracker.accounts import NAME_MAX, ROLES
from tracker.errors import report
from tracker.i18n import AUDIT_ACTION_LABELS, ROLE_LABELS, label
from tracker.settings import SETTINGS
from tracker.store import check_backup

snap = ui.page_header(ui.T("admin"), "admin")
plan, store, accounts, me = snap.plan, ui.store(), ui.accounts(), ui.user().name
ui.flash(done="admin_done", error="admin_error")
role_name = lambda r: label(ROLE_LABELS, r, ui.lang())  # noqa: E731

st.subheader(ui.T("accounts"))
users = accounts.list()
st.dataframe(pd.DataFrame({
    ui.T("account"): users["name"], ui.T("role"): users["role"].map(role_name),
    ui.T("unit"): users["unit"].fillna(""),
    ui.T("account_state"): [ui.T("disabled") if d else ui.T("locked_until", time=lock[11:16]) if isinstance(lock, str)
                            else ui.T("active") for d, lock in zip(users["disabled"], users["locked_until"])],
    ui.T("account_created_at"): users["created_at"].str.replace("T", " "),
}), hide_index=True, width="stretch")


def _run(action, done: str) -> None:
    try:
        action()
        st.session_state["admin_done"] = done
    except ValueError as exc:
        st.session_state["admin_error"] = str(exc)


def _add() -> None:
    state = st.session_state
    name = state["acc_name"].strip()
    done = ui.T("account_created", name=ui.plain(name))
    _run(lambda: accounts.add(name, state["acc_role"], state["acc_password"],
                              state["acc_unit"] if state["acc_role"] == "reporter" else None, by=me),
         done + ("" if users.size else ui.T("logins_now_needed")))
    if "admin_done" in state:  # created: the form is emptied; refused: it keeps what was typed, but the password
        state["acc_name"] = ""
        if not users.size:  # the first account ends the local administrator's session: the login page says why
            state["first_account_notice"] = done + ui.T("first_account_next", name=ui.plain(name))
    state["acc_password"] = ""


def _change() -> None:
    state = st.session_state
    name, action = state["acc_target"], state["acc_action"]
    if action == "disable":
        _run(lambda: accounts.disable(name, by=me), ui.T("account_disabled", name=ui.plain(name)))
    elif action == "enable":
        _run(lambda: accounts.enable(name, by=me), ui.T("account_enabled", name=ui.plain(name)))
    else:
        _run(lambda: accounts.set_password(name, state["acc_new_password"], by=me),
             ui.T("password_reset", name=ui.plain(name)))
    state.pop("acc_new_password", None)


left, right = st.columns(2)
with left.form("add_account"):
    st.markdown(f"#### {ui.T('new_account')}")
    st.text_input(ui.T("account_name"), key="acc_name", max_chars=NAME_MAX)
    st.selectbox(ui.T("role"), ROLES, placeholder=ui.T("choose"), key="acc_role", format_func=role_name)
    st.selectbox(ui.T("account_unit"), plan.units, placeholder=ui.T("choose"), key="acc_unit")
    st.text_input(ui.T("initial_password"), type="password", key="acc_password", max_chars=128)
    st.form_submit_button(ui.T("create"), type="primary", on_click=_add)
if not users.empty:
    with right.form("change_account"):
        st.markdown(f"#### {ui.T('change_account')}")
        st.selectbox(ui.T("account"), list(users["name"]), placeholder=ui.T("choose"), key="acc_target")
        st.selectbox(ui.T("account_action"), ["disable", "enable", "passwd"], placeholder=ui.T("choose"), key="acc_action",
                     format_func=lambda action: ui.T(f"action_{action}"))
        st.text_input(ui.T("new_password"), type="password", key="acc_new_password", max_chars=128)
        st.form_submit_button(ui.T("run_action"), on_click=_change)

st.subheader(ui.T("rule_settings"))
st.caption(ui.T("rule_settings_help"))
ui.flash(done="settings_done", error="settings_error")  # next to the form that was saved
in_force = snap.settings


def _save_settings() -> None:
    values = {s.name: float(st.session_state[f"setting_{s.name}"]) for s in SETTINGS}
    try:
        changed = store.set_settings(values, by=me)
    except ValueError as exc:
        st.session_state["settings_error"] = ui.T("settings_refused", why=exc)
        return
    st.session_state["settings_done"] = ui.T("settings_saved", n=len(changed))
    ui.after_write()


with st.form("settings"):
    columns = st.columns(3)
    def help_(setting) -> str:
        return f"{setting.help(ui.lang())} {ui.T('setting_default', value=f'{setting.default:g}')}"

    for i, setting in enumerate(s for s in SETTINGS if not s.switch):
        columns[i % 3].number_input(
            setting.label(ui.lang()), min_value=float(setting.low), max_value=float(setting.high),
            value=float(in_force[setting.name]),
            step=1.0 if setting.whole else 0.01, format="%.0f" if setting.whole else "%.2f",
            key=f"setting_{setting.name}", help=help_(setting))
    # the on/off rules in a row of their own, saved as 1 or 0
    switches = st.columns(3)
    for i, setting in enumerate(s for s in SETTINGS if s.switch):
        switches[i % 3].toggle(setting.label(ui.lang()), value=bool(in_force[setting.name]),
                               key=f"setting_{setting.name}", help=help_(setting))
    st.form_submit_button(ui.T("save"), type="primary", on_click=_save_settings)

st.subheader(ui.T("audit_log"))
log = store.audit_log().assign(at=lambda f: f["at"].str.replace("T", " "),
                               action=lambda f: f["action"].map(lambda a: label(AUDIT_ACTION_LABELS, a, ui.lang()) or a))
st.dataframe(log.rename(columns={column: ui.T(f"audit_{column}") for column in ("at", "user", "action", "detail")}),
             hide_index=True, width="stretch", height=360)

st.subheader(ui.T("backups"))


def _backup_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "backup.db"
        store.backup(path, by=me, name="download")
        return path.read_bytes()


st.download_button(ui.T("download_backup"), _backup_bytes, file_name=f"progress-{datetime.now():%Y%m%d-%H%M}.db",
                   mime="application/octet-stream", on_click="ignore")
upload = st.file_uploader(ui.T("restore_from"), type=["db"], key="restore_file")
if upload is not None:
    with tempfile.NamedTemporaryFile(suffix=".db", delete=False) as tmp:
        tmp.write(upload.getvalue())
    try:
        version = check_backup(tmp.name)
        st.info(ui.T("backup_checked", version=version))
        if st.checkbox(ui.T("restore_sure"), key="restore_sure") and st.button(ui.T("restore"), type="primary"):
            store.restore(tmp.name, by=me, name=upload.name)
            ui.after_write()
            st.success(ui.T("restored"))
    except ValueError as exc:
        st.error(ui.T("restore_refused", name=ui.plain(upload.name), why=exc))
    except Exception as exc:  # a full or read-only store: said in words, the store as it was
        st.error(report(exc))
    finally:
        Path(tmp.name).unlink(missing_ok=True)
