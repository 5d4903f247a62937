"""The problem list (问题清单): the states a problem goes through and which moves between them are allowed."""
from __future__ import annotations

from .i18n import PROBLEM_STATE_LABELS, label

PROBLEM_STATES = ("found", "coordinating", "solved", "closed")
OPEN_PROBLEM_STATES = ("found", "coordinating")
# The closed loop of chapter 12 (发现、协调、解决、反馈): a state may be kept to add a note, a solution that the
# feedback does not confirm goes back to coordination, and a closed problem stays closed (raise a new one).
PROBLEM_FLOW = {"found": ("found", "coordinating", "solved"), "coordinating": ("coordinating", "solved"),
                "solved": ("solved", "closed", "coordinating"), "closed": ()}


def check_move(problem_id: int, current: str, new: str, note: str = "") -> None:
    """Raise ValueError (in Chinese) unless a problem in state `current` may move to `new` with this note."""
    if new not in PROBLEM_STATES:
        raise ValueError(f"问题 #{problem_id}：未知的状态 {new!r}，应为 {'、'.join(PROBLEM_STATES)} 之一")
    now, then = (label(PROBLEM_STATE_LABELS, s, "zh") for s in (current, new))
    if new not in PROBLEM_FLOW[current]:
        raise ValueError(f"问题 #{problem_id} 当前为「{now}」，不能改为「{then}」")
    if new == current and not note.strip():
        raise ValueError(f"问题 #{problem_id} 保持「{now}」时须填写进展说明")
