"""The tiered escalation policy: levels with their SLAs, responders and authority, the paths
cases take between levels, the rules that send a case straight to a higher level, and the
incident workflows (bot/domain/workflows.py).

Read from a TOML file (`SWARMBOT_POLICY`, else the bundled default) and validated at start:
a bad file is a ConfigError naming the file, the place in it, and what is wrong. Pure: no
database, no Slack.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.domain.calendars import BusinessCalendar, Window
from bot.domain.errors import ConfigError, InvalidInput, NotAllowed
from bot.domain.mrkdwn import escape
from bot.domain.states import SEVERITIES, EscalationTrigger
from bot.domain.workflows import RESPONDER, Workflow, check_responders
from skills_index.text import mentions

LEVELS = ("L1", "L2", "L3", "L4", "Executive")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|second|m|min|minute|h|hr|hour|d|day|w|"
                       r"week)s?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600,
          "hr": 3600, "hour": 3600, "d": 86400, "day": 86400, "w": 604800, "week": 604800}
_ITEM = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def parse_duration(value: Any) -> timedelta:
    """`15m`, `1h`, `4 hours`, `1.5d`, `2w` (or a number of minutes) → timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        minutes = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"{str(value)[:30]!r} is not a duration; write e.g. 15m, 1h, 4h, 1d")
        amount, unit = float(match.group(1)), match.group(2).lower()
        minutes = amount * _UNITS[unit] / 60
    if minutes <= 0:
        raise ValueError("a duration must be longer than zero")
    return timedelta(minutes=minutes)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rotation(_Strict):
    """An on-call rota: `people` take turns of `every`, the first one's turn starting at
    `starts` (and the turns repeat, in both directions of time)."""

    people: tuple[str, ...] = Field(min_length=1)
    every: Duration
    starts: datetime

    @field_validator("people")
    @classmethod
    def _people(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for person in value:
            if not RESPONDER.match(person) or person.startswith("S"):
                raise ValueError(f"{person!r} is not a person; a rota lists Slack user ids "
                                 "(U…) or @handles")
        return value

    @field_validator("starts")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value

    def on_call(self, now: datetime) -> str:
        turn = (now - self.starts) // self.every
        return self.people[turn % len(self.people)]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class CalendarPolicy(_Strict):
    """`[calendars.NAME]`: a time zone, weekly hours (`mon = "09:00-18:00"`) and holiday dates.
    SLA clocks of levels that name the calendar only run inside these hours."""

    zone: str
    hours: dict[str, str]
    holidays: tuple[date, ...] = ()

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value[:40]!r} is not a time zone; write e.g. Europe/Paris"
                             ) from None
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        for day, text in value.items():
            if day not in _DAYS:
                raise ValueError(f"{day[:10]!r} is not a weekday; use {', '.join(_DAYS)}")
            _window(day, text)
        if not value:
            raise ValueError("a calendar needs opening hours on at least one day")
        return value

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            zone=self.zone,
            hours={_DAYS.index(day): _window(day, text) for day, text in self.hours.items()},
            holidays=frozenset(self.holidays))


def _window(day: str, text: str) -> Window:
    match = _HOURS.match(str(text))
    if not match:
        raise ValueError(f"{day}: {str(text)[:40]!r} is not opening hours; write e.g. 09:00-18:00"
                         " (one window per day)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{day}: {text!r} is not a valid time of day")
    closes = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if time(h1, m1) >= closes:
        raise ValueError(f"{day}: {text!r} closes before it opens")
    return Window(time(h1, m1), closes)


class LevelPolicy(_Strict):
    """One level: how fast it must respond and resolve, who responds (people, user groups,
    and whoever is on call in its rota), what it may approve."""

    response: Duration
    resolution: Duration
    responders: tuple[str, ...] = ()
    rotation: Rotation | None = None
    authority: tuple[str, ...] = ()
    description: str = ""
    calendar: str | None = None  # a [calendars] name: SLA clocks count business hours only

    @field_validator("responders")
    @classmethod
    def _responders(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_responders(value)

    @field_validator("authority")
    @classmethod
    def _authority(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not _ITEM.match(item):
                raise ValueError(f"{item!r} is not an authority item; use snake_case words "
                                 "like customer_credit")
        return value

    @model_validator(mode="after")
    def _resolution_after_response(self) -> LevelPolicy:
        if self.resolution < self.response:
            raise ValueError("resolution deadline is shorter than the response SLA")
        return self

    @property
    def users(self) -> tuple[str, ...]:
        """Responders that are single users (ids or @handles), not user groups."""
        return tuple(r for r in self.responders if not r.startswith("S"))


class PathPolicy(_Strict):
    """The ordered route a kind of case takes (e.g. payments skips L2)."""

    name: str
    levels: tuple[str, ...]
    services: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    calendar: str | None = None  # overrides the levels' calendars for cases on this path

    @model_validator(mode="after")
    def _matches_something(self) -> PathPolicy:
        if not self.services and not self.tags:
            raise ValueError(f"path {self.name!r} matches nothing; give `services` or `tags`")
        if not self.levels:
            raise ValueError(f"path {self.name!r} has no levels")
        return self


class ComplexityRule(_Strict):
    """A case matching this rule goes straight to `level`, bypassing the ones below.
    `needs_help_at` matches when the forecast says the case needs more than one person with
    at least that probability (never when no forecast is trained)."""

    name: str
    level: str
    reason: str
    services: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    needs_help_at: float | None = Field(None, gt=0, lt=1)

    @model_validator(mode="after")
    def _matches_something(self) -> ComplexityRule:
        if not (self.services or self.tags or self.words or self.needs_help_at is not None):
            raise ValueError(f"rule {self.name!r} matches nothing; give `services`, `tags`, "
                             "`words` or `needs_help_at`")
        return self

    def matches(self, *, service: str, tags: tuple[str, ...], text: str,
                needs_help: float | None = None) -> bool:
        return ((not self.services or service in self.services)
                and (not self.tags or bool(set(tags) & set(self.tags)))
                and (not self.words or any(mentions(text, w) for w in self.words))
                and (self.needs_help_at is None
                     or (needs_help is not None and needs_help >= self.needs_help_at)))

    def why(self, needs_help: float | None) -> str:
        if self.needs_help_at is None or needs_help is None:
            return self.reason
        return f"{self.reason} (forecast: {needs_help:.0%} likely to need more than one person)"


class Policy(_Strict):
    """The whole escalation policy. Levels keep the canonical order L1 → Executive."""

    warn_at: float = Field(0.8, gt=0, lt=1)
    levels: dict[str, LevelPolicy]
    calendars: dict[str, CalendarPolicy] = Field(default_factory=dict)
    severity_levels: dict[str, str] = Field(default_factory=lambda: {"sev3": "L2", "sev4": "L1"})
    paths: tuple[PathPolicy, ...] = ()
    complexity: tuple[ComplexityRule, ...] = ()
    workflows: tuple[Workflow, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        unknown = [name for name in self.levels if name not in LEVELS]
        if unknown:
            raise ValueError(f"unknown level {unknown[0]!r}; levels are {', '.join(LEVELS)}")
        if not self.levels:
            raise ValueError("the policy has no levels")
        for name, spec in self.levels.items():
            if spec.calendar is not None and spec.calendar not in self.calendars:
                raise ValueError(f"levels.{name}.calendar: unknown calendar {spec.calendar!r}; "
                                 "define it under [calendars]")
        for route in self.paths:
            if route.calendar is not None and route.calendar not in self.calendars:
                raise ValueError(f"path {route.name!r}: unknown calendar {route.calendar!r}; "
                                 "define it under [calendars]")
        for severity, level in self.severity_levels.items():
            if severity not in SEVERITIES:
                raise ValueError(f"severity_levels: {severity!r} is not sev1..sev4")
            self._known(level, f"severity_levels.{severity}")
        for path in self.paths:
            for level in path.levels:
                self._known(level, f"path {path.name!r}")
            order = [LEVELS.index(level) for level in path.levels]
            if order != sorted(set(order)):
                raise ValueError(f"path {path.name!r} must list levels upwards, each once")
        for rule in self.complexity:
            self._known(rule.level, f"rule {rule.name!r}")
        names = [w.name for w in self.workflows]
        if len(names) != len(set(names)):
            raise ValueError(f"two workflows are named {max(names, key=names.count)!r}")
        for workflow in self.workflows:
            for level in workflow.levels:
                self._known(level, f"workflow {workflow.name!r}")
            for step in workflow.steps:
                if step.level is not None:
                    self._known(step.level, f"workflow {workflow.name!r}")
        return self

    def workflow(self, name: str) -> Workflow | None:
        return next((w for w in self.workflows if w.name == name), None)

    def _known(self, level: str, where: str) -> None:
        if level not in self.levels:
            raise ValueError(f"{where}: level {level!r} is not defined in [levels]")

    # -- questions the escalation service asks -----------------------------------------
    @property
    def ordered(self) -> tuple[str, ...]:
        return tuple(level for level in LEVELS if level in self.levels)

    def level(self, name: str) -> LevelPolicy:
        return self.levels[name]

    def calendar_for(self, level: str, service: str = "", tags: tuple[str, ...] = ()
                     ) -> BusinessCalendar | None:
        """The business-hours calendar a level's SLA clocks run on (None = 24x7): the matching
        path's calendar if it names one, else the level's."""
        name = self.levels[level].calendar
        for path in self.paths:
            if service in path.services or set(tags) & set(path.tags):
                name = path.calendar or name
                break
        return self.calendars[name].calendar() if name else None

    def sla_due(self, level: str, start: datetime, budget: timedelta, *, service: str = "",
                tags: tuple[str, ...] = ()) -> datetime:
        """When `budget` of SLA time after `start` runs out on the level's clock."""
        calendar = self.calendar_for(level, service, tags)
        return start + budget if calendar is None else calendar.add_business(start, budget)

    def path_for(self, service: str, tags: tuple[str, ...]) -> tuple[str, ...]:
        """The first path matching the case's service or tags; else every level in order."""
        for path in self.paths:
            if service in path.services or set(tags) & set(path.tags):
                return path.levels
        return self.ordered

    def entry(self, *, severity: str, service: str, tags: tuple[str, ...], text: str,
              needs_help: float | None = None) -> Entry:
        """Where a new tiered case starts, and why: the severity's level (on its path), raised
        by the first complexity rule that asks for a higher one."""
        path = self.path_for(service, tags)
        start = self.on_path(self.severity_levels.get(severity, path[0]), path)
        for rule in self.complexity:
            if rule.matches(service=service, tags=tags, text=text, needs_help=needs_help) and \
                    _rank(rule.level) > _rank(start):
                skipped = tuple(level for level in path
                                if _rank(start) <= _rank(level) < _rank(rule.level))
                return Entry(rule.level, EscalationTrigger.COMPLEXITY, rule.why(needs_help),
                             skipped)
        return Entry(start,
                     EscalationTrigger.PRIORITY if start != path[0] else EscalationTrigger.DECLARED,
                     f"{severity} starts at {start}", ())

    def severity_level(self, severity: str, service: str, tags: tuple[str, ...]) -> str | None:
        level = self.severity_levels.get(severity)
        return None if level is None else self.on_path(level, self.path_for(service, tags))

    def on_path(self, level: str, path: tuple[str, ...]) -> str:
        """`level` if the path has it, else the path's next level above it (or its top)."""
        for candidate in path:
            if _rank(candidate) >= _rank(level):
                return candidate
        return path[-1]

    def next_level(self, current: str, path: tuple[str, ...]) -> str | None:
        above = [level for level in path if _rank(level) > _rank(current)]
        return above[0] if above else None

    def previous_level(self, current: str, path: tuple[str, ...]) -> str | None:
        below = [level for level in path if _rank(level) < _rank(current)]
        return below[-1] if below else None

    @staticmethod
    def between(path: tuple[str, ...], low: str, high: str) -> tuple[str, ...]:
        """Levels of `path` strictly between `low` and `high`: what a jump bypasses."""
        return tuple(level for level in path if _rank(low) < _rank(level) < _rank(high))

    # -- authority -----------------------------------------------------------------------
    @property
    def authority_items(self) -> tuple[str, ...]:
        items: list[str] = []
        for level in self.ordered:
            items.extend(i for i in self.levels[level].authority if i not in items)
        return tuple(items)

    def authority_of(self, level: str) -> frozenset[str]:
        """What a level may approve: its own items and every lower level's (authority grows
        upwards)."""
        return frozenset(item for name in self.ordered if _rank(name) <= _rank(level)
                         for item in self.levels[name].authority)

    def approver_for(self, item: str) -> str:
        """The lowest level allowed to approve `item`."""
        for level in self.ordered:
            if item in self.levels[level].authority:
                return level
        known = ", ".join(f"`{i}`" for i in self.authority_items) or "nothing (none configured)"
        raise InvalidInput(f"`{escape(item[:40])}` is not something the policy lets anyone "
                           f"approve. Approvable: {known}.")

    def require_authority(self, level: str, item: str) -> None:
        if item not in self.authority_of(level):
            raise NotAllowed(f"{level} has no authority to approve `{item}`; the lowest level "
                             f"that has is {self.approver_for(item)}.")

    def parse_level(self, text: str) -> str:
        """`l2`, `L2`, `2`, `exec`, `executive` → the level's name, if the policy has it."""
        cleaned = text.strip().lower()
        if cleaned in ("exec", "executive", "l5", "5"):
            name = "Executive"
        elif re.fullmatch(r"l?[1-4]", cleaned):
            name = f"L{cleaned[-1]}"
        else:
            raise InvalidInput(f"`{escape(text[:20])}` is not a level. Levels: "
                               f"{', '.join(self.ordered)}.")
        if name not in self.levels:
            raise InvalidInput(f"The policy has no level {name}. Levels: "
                               f"{', '.join(self.ordered)}.")
        return name


@dataclass(frozen=True)
class Entry:
    level: str
    trigger: EscalationTrigger
    reason: str
    bypassed: tuple[str, ...]


def _rank(level: str) -> int:
    return LEVELS.index(level)


def rank(level: str | None) -> int:
    """Order of a level (L1 = 0 … Executive = 4); -1 for none."""
    return -1 if level is None or level not in LEVELS else _rank(level)


DEFAULT_POLICY = "default_policy.toml"


def load_policy(path: Path | None = None) -> Policy:
    """Read and validate a policy file (the bundled default when `path` is None)."""
    name = str(path) if path else f"the bundled {DEFAULT_POLICY}"
    try:
        raw = (path.read_text(encoding="utf-8") if path is not None
               else resources.files("bot.domain").joinpath(DEFAULT_POLICY).read_text("utf-8"))
    except OSError as error:
        raise ConfigError(f"SWARMBOT_POLICY: cannot read {name}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"Escalation policy {name} is not a text (UTF-8 TOML) file.") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Escalation policy {name} is not valid TOML: {error}") from None
    return policy_from(data, name)


def policy_from(data: dict[str, Any], name: str = "the policy") -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        problems = []
        for err in error.errors():
            where = ".".join(str(part) for part in err["loc"]) or "top level"
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown setting (check the spelling)"
            problems.append(f"{where}: {message}")
        raise ConfigError(f"Escalation policy {name} is invalid — " + "; ".join(problems)
                          ) from None
