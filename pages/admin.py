"""账户与审计: accounts and roles, the audit log, and backups (download, checked restore)."""
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from tracker.accounts import ROLE_LABELS, ROLES
from tracker.i18n import label
from tracker.store import check_backup

snap = ui.page_header(ui.T("admin"), "admin")
plan, store, accounts, me = snap.plan, ui.store(), ui.accounts(), ui.user().name
for key in ("admin_done", "admin_error"):
    if key in st.session_state:
        (st.success if key == "admin_done" else st.error)(st.session_state.pop(key))
role_name = lambda r: label(ROLE_LABELS, r, ui.lang())  # noqa: E731

st.subheader("账户 / Accounts")
users = accounts.list()
st.dataframe(pd.DataFrame({
    "账户": users["name"], "角色": users["role"].map(role_name), "单位": users["unit"].fillna(""),
    "状态": [("停用" if d else "锁定至 " + l[11:16] if isinstance(l, str) else "正常")
           for d, l in zip(users["disabled"], users["locked_until"])],
    "创建时间": users["created_at"].str.replace("T", " "),
}), hide_index=True, width="stretch")


def _run(action, done: str) -> None:
    try:
        action()
        st.session_state["admin_done"] = done
    except ValueError as exc:
        st.session_state["admin_error"] = str(exc)


def _add() -> None:
    state = st.session_state
    _run(lambda: accounts.add(state["acc_name"].strip(), state["acc_role"], state["acc_password"],
                              state["acc_unit"] if state["acc_role"] == "reporter" else None, by=me),
         f"已创建账户 {ui.plain(state['acc_name'])}。" + ("" if users.size else "从现在起，每个页面都需要登录。"))
    state.pop("acc_password", None)


def _change() -> None:
    state = st.session_state
    name, action = state["acc_target"], state["acc_action"]
    if action == "disable":
        _run(lambda: accounts.disable(name, by=me), f"已停用 {ui.plain(name)}。")
    elif action == "enable":
        _run(lambda: accounts.enable(name, by=me), f"已启用并解锁 {ui.plain(name)}。")
    else:
        _run(lambda: accounts.set_password(name, state["acc_new_password"], by=me), f"已重设 {ui.plain(name)} 的密码。")
    state.pop("acc_new_password", None)


left, right = st.columns(2)
with left.form("add_account", clear_on_submit=True):
    st.markdown("#### 新建账户")
    st.text_input("账户名", key="acc_name", max_chars=64)
    st.selectbox("角色", ROLES, key="acc_role", format_func=role_name)
    st.selectbox("单位（单位联络员必填）", plan.units, key="acc_unit")
    st.text_input("初始密码（至少 8 位）", type="password", key="acc_password", max_chars=128)
    st.form_submit_button("创建", type="primary", on_click=_add)
if not users.empty:
    with right.form("change_account"):
        st.markdown("#### 停用、启用或重设密码")
        st.selectbox("账户", list(users["name"]), key="acc_target")
        st.selectbox("操作", ["disable", "enable", "passwd"], key="acc_action",
                     format_func={"disable": "停用", "enable": "启用 / 解锁", "passwd": "重设密码"}.get)
        st.text_input("新密码（重设密码时）", type="password", key="acc_new_password", max_chars=128)
        st.form_submit_button("执行", on_click=_change)

st.subheader("审计日志 / Audit log")
st.dataframe(store.audit_log().rename(columns={"at": "时间", "user": "用户", "action": "操作", "detail": "内容"}),
             hide_index=True, width="stretch", height=360)

st.subheader("备份与恢复 / Backups")


def _backup_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "backup.db"
        store.backup(path)
        store.audit(me, "backup", "download")
        return path.read_bytes()


st.download_button("下载数据库备份", _backup_bytes, file_name=f"progress-{datetime.now():%Y%m%d-%H%M}.db",
                   mime="application/octet-stream", on_click="ignore")
upload = st.file_uploader("从备份恢复（.db）：先检查完整性和数据库版本，通过后才替换", type=["db"], key="restore_file")
if upload is not None:
    with tempfile.NamedTemporaryFile(suffix=".db", delete=False) as tmp:
        tmp.write(upload.getvalue())
    try:
        version = check_backup(tmp.name)
        st.info(f"备份检查通过（数据库结构版本 {version}）。恢复将替换当前全部数据。")
        if st.checkbox("我确认用此备份替换当前数据", key="restore_sure") and st.button("恢复", type="primary"):
            store.restore(tmp.name)
            store.audit(me, "restore", upload.name)
            ui.after_write()
            st.success("已恢复。")
    except ValueError as exc:
        st.error(f"{ui.plain(upload.name)}：{exc}；当前数据未作任何改动。")
    finally:
        Path(tmp.name).unlink(missing_ok=True)
