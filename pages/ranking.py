"""考核排名: unit scores with their weights, month-over-month movement, ranks by kind, and every score item by item."""
from datetime import timedelta

import pandas as pd
import streamlit as st

import ui
from tracker import ranking

snap = ui.page_header(ui.T("ranking_page"), "ranking")
weights = ranking.weights(snap.settings)
st.info(f"{ui.T('weights')}：{ui.T('completion_part')} {weights['weight_completion']:g} · "
        f"{ui.T('timeliness_part')} {weights['weight_timeliness']:g} · "
        f"{ui.T('no_severe_part')} {weights['weight_severe']:g}\n\n"
        + ui.T("ranking_fairness", share=ui.pct(weights["declared_share"])))

scores = ui.memo(ranking.scores)
month_ago = snap.as_of - timedelta(days=30)
before = ui.memo_at(ranking.scores, max(month_ago, snap.plan.start))
scores = scores.assign(movement=ranking.movement(scores, before))
kinds = sorted(scores["kind"].dropna().unique())
kind = st.selectbox(ui.T("by_kind"), [None, *kinds], placeholder=ui.T("choose"), key="rank_kind",
                    format_func=lambda k: ui.T("all_kinds") if k is None else k)
shown = scores if kind is None else scores[scores["kind"] == kind]
rank_column = "rank" if kind is None else "rank_in_kind"


def arrow(move) -> str:
    if move is None or pd.isna(move):
        return ""
    return f"↑{move}" if move > 0 else f"↓{-move}" if move < 0 else "—"


number = lambda v, f="{:.1f}": "" if pd.isna(v) else f.format(v)  # noqa: E731
st.dataframe(pd.DataFrame({
    ui.T("rank"): shown[rank_column].map(lambda r: "" if pd.isna(r) else str(int(r))),
    ui.T("movement"): shown["movement"].map(arrow),
    ui.T("unit"): shown["unit"], ui.T("kind"): shown["kind"],
    ui.T("rank_group"): shown["group"].map(lambda g: ui.T(f"group_{g}") if isinstance(g, str) else ""),
    ui.T("lead_score"): shown["score"].map(number),
    ui.T("items_n"): shown["items"],
    ui.T("completion_part"): shown["completion_part"].map(ui.pct),
    ui.T("timeliness_part"): shown["timeliness_part"].map(ui.pct),
    ui.T("severe_share"): shown["severe_share"].map(ui.pct),
    ui.T("participating_score"): shown["participating_score"].map(number),
}), hide_index=True, width="stretch", height=min(800, 38 * (len(shown) + 1)))

st.subheader(ui.T("score_items"))
unit = ui.unit_filter() or st.selectbox(ui.T("unit"), list(scores["unit"]), placeholder=ui.T("choose"), key="rank_unit")
items = ui.memo(ranking.items)
items = items[items["unit"] == unit]
row = scores.set_index("unit").loc[unit]
st.markdown(f"**{ui.plain(unit)}** · {ui.T('lead_score')} {number(row['score'])} = 100 × ({weights['weight_completion']:g} × "
            f"{number(row['completion_part'], '{:.3f}')} + {weights['weight_timeliness']:g} × "
            f"{number(row['timeliness_part'], '{:.3f}')} + {weights['weight_severe']:g} × (1 − "
            f"{number(row['severe_share'], '{:.3f}')}))")
ui.status_table(pd.DataFrame({
    ui.T("role"): items["role"].map(lambda r: ui.T("role_lead") if r == "lead" else ui.T("role_participating")),
    ui.T("id"): items["item"], ui.T("indicator"): items["name"],
    ui.T("completion"): items["completion"].map(ui.pct), ui.T("due_now"): items["expected"].map(ui.pct),
    ui.T("completion_part"): items["completion_part"].map(lambda v: f"{v:.3f}"),
    ui.T("punctuality"): items["punctuality"].map(ui.pct),
    ui.T("reported_on"): items["reported_on"].map(ui.day),
    ui.T("status"): ui.status_cells(items["status"]),
}), ui.T("status"))
