"""The escalation policy file: defaults as documented, clear errors for bad files, and the
answers the escalation service relies on (paths, entry level, bypass, authority)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.errors import ConfigError, InvalidInput, NotAllowed
from bot.domain.policy import Policy, load_policy, parse_duration, policy_from


def _policy(**extra: object) -> Policy:
    data: dict[str, object] = {"levels": {
        "L1": {"response": "15m", "resolution": "4h", "responders": ["UAGENT1"]},
        "L2": {"response": "1h", "resolution": "8h", "authority": ["policy_exception"]},
        "L3": {"response": "4h", "resolution": "1d", "authority": ["customer_credit"]},
        "L4": {"response": "8h", "resolution": "2d"},
        "Executive": {"response": "24h", "resolution": "3d", "authority": ["legal"]},
    }}
    data.update(extra)
    return policy_from(data)


def test_the_bundled_policy_has_the_documented_slas() -> None:
    policy = load_policy()
    assert policy.ordered == ("L1", "L2", "L3", "L4", "Executive")
    assert [policy.level(level).response for level in policy.ordered] == [
        timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4), timedelta(hours=8),
        timedelta(hours=24)]
    assert policy.warn_at == 0.8


@pytest.mark.parametrize(("text", "minutes"), [("15m", 15), ("1h", 60), ("4 hours", 240),
                                               ("1.5d", 2160), ("2w", 20160), (30, 30)])
def test_durations_read_the_way_people_write_them(text: object, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(("change", "message"), [
    ({"levels": {"L9": {"response": "1h", "resolution": "2h"}}}, "unknown level 'L9'"),
    ({"levels": {"L1": {"response": "soon", "resolution": "2h"}}},
     "levels.L1.response: 'soon' is not a duration"),
    ({"levels": {"L1": {"response": "2h", "resolution": "1h"}}},
     "resolution deadline is shorter than the response SLA"),
    ({"levels": {"L1": {"response": "1h", "resolution": "2h", "responders": ["dana"]}}},
     "'dana' is not a responder"),
    ({"levels": {"L1": {"response": "1h", "resolution": "2h", "respnders": []}}},
     "levels.L1.respnders: unknown setting"),
    ({"paths": [{"name": "p", "services": ["x"], "levels": ["L3", "L2"]}]},
     "must list levels upwards"),
    ({"severity_levels": {"sev4": "L7"}}, "level 'L7' is not defined"),
    ({"complexity": [{"name": "r", "level": "L3", "reason": "x"}]}, "rule 'r' matches nothing"),
    ({"levels": {"L1": {"response": "1h", "resolution": "2h", "calendar": "office"}}},
     "levels.L1.calendar: unknown calendar 'office'"),
    ({"calendars": {"office": {"zone": "Mars/Olympus", "hours": {"mon": "09:00-18:00"}}}},
     "calendars.office.zone: 'Mars/Olympus' is not a time zone"),
    ({"calendars": {"office": {"zone": "UTC", "hours": {"mon": "18:00-09:00"}}}},
     "calendars.office.hours: mon: '18:00-09:00' closes before it opens"),
    ({"calendars": {"office": {"zone": "UTC", "hours": {"mon": "09:00-12:00, 11:00-18:00"}}}},
     "calendars.office.hours: mon: '09:00-12:00, 11:00-18:00' is not opening hours"),
    ({"calendars": {"office": {"zone": "UTC", "hours": {"mon": "9-5"}, "holidays": []}}},
     "is not opening hours"),
    ({"calendars": {"office": {"zone": "UTC", "hours": {"mon": "09:00-18:00"},
                               "holidays": ["xmas"]}}},
     "calendars.office.holidays.0:"),
])
def test_a_bad_policy_is_refused_naming_the_place(change: dict[str, object], message: str
                                                  ) -> None:
    base = {"levels": {"L1": {"response": "15m", "resolution": "4h"},
                       "L2": {"response": "1h", "resolution": "8h"},
                       "L3": {"response": "4h", "resolution": "1d"}}}
    base.update(change)
    with pytest.raises(ConfigError, match="Escalation policy") as error:
        policy_from(base)
    assert message in str(error.value)


def test_a_file_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[levels.L1\nresponse=", encoding="utf-8")
    with pytest.raises(ConfigError, match=str(path)):
        load_policy(path)
    with pytest.raises(ConfigError, match="SWARMBOT_POLICY"):
        load_policy(tmp_path / "missing.toml")


def test_paths_route_by_service_or_tag_and_default_to_every_level() -> None:
    policy = _policy(paths=[{"name": "payments", "services": ["payments"],
                             "levels": ["L1", "L3", "Executive"]}])
    assert policy.path_for("payments", ()) == ("L1", "L3", "Executive")
    assert policy.path_for("search", ()) == policy.ordered
    assert policy.next_level("L1", ("L1", "L3", "Executive")) == "L3"
    assert policy.next_level("Executive", policy.ordered) is None
    assert policy.previous_level("L3", ("L1", "L3", "Executive")) == "L1"


def test_a_case_enters_at_its_severity_level_unless_a_rule_sends_it_higher() -> None:
    policy = _policy(complexity=[{"name": "legal", "words": ["lawsuit"], "level": "Executive",
                                  "reason": "legal matters go to Executive"}])
    routine = policy.entry(severity="sev4", service="", tags=(), text="password reset")
    assert (routine.level, routine.bypassed) == ("L1", ())
    assert policy.entry(severity="sev3", service="", tags=(), text="x").level == "L2"
    legal = policy.entry(severity="sev4", service="", tags=(),
                         text="Customer threatens a LAWSUIT over billing")
    assert (legal.level, legal.trigger, legal.reason) == (
        "Executive", "complexity", "legal matters go to Executive")
    assert legal.bypassed == ("L1", "L2", "L3", "L4")
    # a whole-word match: "lawsuits" is not "lawsuit"
    assert policy.entry(severity="sev4", service="", tags=(), text="lawsuits").level == "L1"


def test_the_forecast_sends_a_case_up_only_at_or_above_its_threshold() -> None:
    policy = _policy(complexity=[{"name": "needs-help", "needs_help_at": 0.7, "level": "L3",
                                  "reason": "cases like this took several people",
                                  "services": ["db"]}])
    kwargs = {"severity": "sev4", "service": "db", "tags": (), "text": "replica lag"}
    hard = policy.entry(**kwargs, needs_help=0.82)
    assert (hard.level, hard.trigger, hard.bypassed) == ("L3", "complexity", ("L1", "L2"))
    assert hard.reason == ("cases like this took several people (forecast: 82% likely to "
                           "need more than one person)")
    assert policy.entry(**kwargs, needs_help=0.69).level == "L1"
    assert policy.entry(**kwargs).level == "L1"  # no model, no forecast: never matches
    assert policy.entry(**{**kwargs, "service": "web"}, needs_help=0.9).level == "L1"
    with pytest.raises(ConfigError, match="needs_help_at"):
        _policy(complexity=[{"name": "r", "needs_help_at": 1.5, "level": "L3", "reason": "x"}])


def test_authority_grows_upwards_and_requests_go_to_the_lowest_level_with_it() -> None:
    policy = _policy()
    assert policy.approver_for("customer_credit") == "L3"
    assert policy.approver_for("policy_exception") == "L2"
    assert policy.authority_of("L4") == {"policy_exception", "customer_credit"}
    policy.require_authority("Executive", "customer_credit")
    with pytest.raises(NotAllowed, match="L2 has no authority to approve `customer_credit`"):
        policy.require_authority("L2", "customer_credit")
    with pytest.raises(InvalidInput, match="Approvable: `policy_exception`, `customer_credit`"):
        policy.approver_for("free_lunch")


@pytest.mark.parametrize(("text", "level"), [("l2", "L2"), ("L4", "L4"), ("3", "L3"),
                                             ("exec", "Executive"), ("Executive", "Executive")])
def test_levels_can_be_named_loosely(text: str, level: str) -> None:
    assert _policy().parse_level(text) == level


def test_an_unknown_level_name_says_which_exist() -> None:
    with pytest.raises(InvalidInput, match="Levels: L1, L2, L3, L4, Executive"):
        _policy().parse_level("L9")


@pytest.mark.parametrize(("workflow", "message"), [
    ({"name": "w", "when": "lunch", "steps": [{"do": "remind", "text": "x"}]},
     "workflows.0.when: Input should be 'declared'"),
    ({"name": "w", "when": "declared", "steps": [{"do": "post", "text": "{nope}"}]},
     "unknown placeholder {nope}"),
    ({"name": "w", "when": "declared", "steps": [{"do": "invite"}]},
     "a `invite` step needs `users`"),
    ({"name": "w", "when": "declared", "steps": [{"do": "call_link", "url": "meet"}]},
     "`url` must be an http(s) link"),
    ({"name": "w", "when": "no_update", "steps": [{"do": "remind", "text": "x"}]},
     "`minutes` goes with when"),
    ({"name": "w", "when": "declared", "steps": [{"do": "escalate", "level": "L4"}]},
     "workflow 'w': level 'L4' is not defined"),
    ({"name": "w", "when": "declared", "steps": []}, "has no steps"),
    ({"name": "Bad Name", "when": "declared", "steps": [{"do": "remind", "text": "x"}]},
     "is not a workflow name"),
])
def test_a_bad_workflow_is_refused_at_start(workflow: dict[str, object], message: str) -> None:
    data = {"levels": {"L1": {"response": "15m", "resolution": "4h"},
                       "L2": {"response": "1h", "resolution": "8h"},
                       "L3": {"response": "4h", "resolution": "1d"}},
            "workflows": [workflow]}
    with pytest.raises(ConfigError) as error:
        policy_from(data)
    assert message in str(error.value)


def test_workflow_names_are_unique() -> None:
    step = [{"do": "remind", "text": "x"}]
    with pytest.raises(ConfigError, match="two workflows are named 'w'"):
        _policy(workflows=[{"name": "w", "when": "declared", "steps": step},
                           {"name": "w", "when": "resolved", "steps": step}])


def test_an_on_call_rota_hands_over_at_each_turn_and_repeats() -> None:
    policy = _policy(severity_levels={}, levels={"L1": {
        "response": "15m", "resolution": "4h", "rotation": {
            "people": ["@sam", "UKENJI"], "every": "1w", "starts": "2026-11-02T09:00:00Z"}}})
    rota = policy.level("L1").rotation
    assert rota is not None
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert rota.on_call(monday) == "@sam"
    assert rota.on_call(monday + timedelta(days=6, hours=23)) == "@sam"
    assert rota.on_call(monday + timedelta(weeks=1)) == "UKENJI"
    assert rota.on_call(monday + timedelta(weeks=2, hours=1)) == "@sam"
    assert rota.on_call(monday - timedelta(hours=1)) == "UKENJI"  # the turn before the start


@pytest.mark.parametrize(("rotation", "message"), [
    ({"people": [], "every": "1w", "starts": "2026-11-02T09:00:00Z"}, "at least 1"),
    ({"people": ["SGROUP1"], "every": "1w", "starts": "2026-11-02T09:00:00Z"}, "not a person"),
    ({"people": ["@sam"], "every": "often", "starts": "2026-11-02T09:00:00Z"}, "not a duration"),
    ({"people": ["@sam"], "every": "1d", "starts": "someday"}, "starts"),
])
def test_a_bad_rota_is_refused(rotation: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _policy(severity_levels={}, levels={"L1": {"response": "15m", "resolution": "4h",
                                                   "rotation": rotation}})


def test_a_rule_word_in_japanese_matches_a_japanese_case() -> None:
    policy = _policy(complexity=[{"name": "legal", "words": ["訴訟", "lawsuit"],
                                  "level": "Executive", "reason": "legal matters"}])
    legal = policy.entry(severity="sev4", service="", tags=(), text="顧客が訴訟を検討している")
    assert legal.level == "Executive"
    assert policy.entry(severity="sev4", service="", tags=(), text="パスワード再設定").level == "L1"
