"""The settings table: validation, stored overrides with their history, and the admin form that edits them."""
import pytest

from tracker.settings import DEFAULTS, SETTINGS, resolve, validate
from tracker.snapshot import take


def _with(**changes):
    return {**DEFAULTS, **changes}


@pytest.mark.parametrize("values, problem", [
    (_with(), None),
    (_with(tolerance=0.1, severe_margin=0.2), None),
    (_with(tolerance=0.6), "容差：0.6 超出允许范围 0～0.5"),
    (_with(tolerance=-0.01), "超出允许范围"),
    (_with(weight_completion=0.5), "三项考核权重之和应为 1，现为 0.9"),
    (_with(weight_completion=0.5, weight_timeliness=0.4), None),
    (_with(problem_overdue_days=10.5), "问题超期（天）：10.5 应为整数天数"),
    (_with(problem_overdue_days=0), "超出允许范围 1～366"),
    ({k: v for k, v in DEFAULTS.items() if k != "tolerance"}, "容差：缺少数值"),
])
def test_settings_are_checked_before_they_are_stored(values, problem):
    errors = validate(values)
    assert (errors == []) if problem is None else any(problem in e for e in errors), errors


def test_every_setting_has_a_name_and_help_in_both_languages_and_a_default_in_range():
    for setting in SETTINGS:
        assert setting.label() and setting.label("en") and setting.help() != setting.help("en")
        assert setting.low <= setting.default <= setting.high
    assert validate(DEFAULTS) == []


def test_changed_settings_are_stored_logged_with_their_old_value_and_change_the_status(plan, sample_store):
    before = take(plan, sample_store)
    changed = sample_store.set_settings(_with(tolerance=0.2), by="督办室")
    assert changed == {"tolerance": (0.05, 0.2)}
    assert sample_store.settings() == {"tolerance": 0.2}
    log = sample_store.audit_log()
    assert log.iloc[0][["user", "action", "detail"]].tolist() == ["督办室", "settings", "容差（tolerance）：0.05 → 0.2"]
    after = take(plan, sample_store)
    assert after.settings["tolerance"] == 0.2
    assert (after.targets["status"] == "on_track").sum() > (before.targets["status"] == "on_track").sum()
    sample_store.set_settings(_with(), by="督办室")           # back to the defaults: no override left
    assert sample_store.settings() == {} and resolve(sample_store.settings()) == DEFAULTS
    assert len(sample_store.audit_log()) == len(log) + 1


def test_invalid_settings_change_nothing(store):
    version = store.version("p")
    with pytest.raises(ValueError, match="三项考核权重之和应为 1"):
        store.set_settings(_with(tolerance=0.1, weight_severe=0.5), by="x")
    assert store.settings() == {} and store.version("p") == version
