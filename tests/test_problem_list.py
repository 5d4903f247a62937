"""The problem list's workflow: which moves between states are allowed, and the refusals in Chinese."""
import pytest

from tracker.i18n import PROBLEM_STATE_LABELS
from tracker.problem_list import OPEN_PROBLEM_STATES, PROBLEM_FLOW, PROBLEM_STATES, check_move


# current state, new state -> allowed (with a note)
@pytest.mark.parametrize("current, new, allowed", [
    ("found", "found", True), ("found", "coordinating", True), ("found", "solved", True), ("found", "closed", False),
    ("coordinating", "found", False), ("coordinating", "coordinating", True), ("coordinating", "solved", True),
    ("coordinating", "closed", False),
    ("solved", "found", False), ("solved", "coordinating", True), ("solved", "solved", True),
    ("solved", "closed", True),
    ("closed", "found", False), ("closed", "coordinating", False), ("closed", "solved", False),
    ("closed", "closed", False),
])
def test_problems_move_only_along_the_closed_loop(current, new, allowed):
    if allowed:
        check_move(7, current, new, note="说明")
    else:
        now, then = PROBLEM_STATE_LABELS[current][0], PROBLEM_STATE_LABELS[new][0]
        with pytest.raises(ValueError, match=f"^问题 #7 当前为「{now}」，不能改为「{then}」$"):
            check_move(7, current, new, note="说明")


@pytest.mark.parametrize("state", ["found", "coordinating", "solved"])
@pytest.mark.parametrize("note", ["", "   "])
def test_keeping_a_state_needs_a_note(state, note):
    with pytest.raises(ValueError, match=f"^问题 #7 保持「{PROBLEM_STATE_LABELS[state][0]}」时须填写进展说明$"):
        check_move(7, state, state, note)


def test_an_unknown_state_is_refused_by_name():
    with pytest.raises(ValueError, match="未知的状态 'done'"):
        check_move(7, "found", "done", "说明")


def test_every_state_has_its_moves_and_a_label_and_the_open_ones_lead_on():
    assert set(PROBLEM_FLOW) == set(PROBLEM_STATES) == set(PROBLEM_STATE_LABELS)
    assert all(set(moves) <= set(PROBLEM_STATES) for moves in PROBLEM_FLOW.values())
    assert set(OPEN_PROBLEM_STATES) < set(PROBLEM_STATES)
    assert all("solved" in PROBLEM_FLOW[s] for s in OPEN_PROBLEM_STATES)
