"""When someone's working day next begins, in their own zone, across weekends and
daylight-saving changes (the wall-clock hour stays; the UTC hour moves)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.availability import next_working_start, within_working_hours
from bot.domain.mrkdwn import slack_time


@pytest.mark.parametrize(("now", "tz", "expected"), [
    # Berlin, spring forward on Sunday 29 March 2026: Friday evening → Monday 09:00 CEST
    (datetime(2026, 3, 27, 18, 30, tzinfo=UTC), "Europe/Berlin",
     datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
    # …while the Thursday before it, 09:00 CET is 08:00 UTC
    (datetime(2026, 3, 26, 20, 0, tzinfo=UTC), "Europe/Berlin",
     datetime(2026, 3, 27, 8, 0, tzinfo=UTC)),
    # New York falls back on Sunday 1 November 2026: Friday night → Monday 09:00 EST (14:00 UTC)
    (datetime(2026, 10, 31, 2, 0, tzinfo=UTC), "America/New_York",
     datetime(2026, 11, 2, 14, 0, tzinfo=UTC)),
    # Tokyo (no DST) at 19:00 on a Tuesday → 09:00 Wednesday
    (datetime(2026, 11, 17, 10, 0, tzinfo=UTC), "Asia/Tokyo",
     datetime(2026, 11, 18, 0, 0, tzinfo=UTC)),
])
def test_the_next_working_day_starts_at_nine_local(now: datetime, tz: str,
                                                   expected: datetime) -> None:
    assert not within_working_hours(now, tz, 9, 18)
    assert next_working_start(now, tz, 9, 18) == expected


def test_someone_working_now_or_without_a_zone_is_reachable_now() -> None:
    now = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
    assert next_working_start(now, "Europe/London", 9, 18) == now
    assert next_working_start(now, None, 9, 18) == now
    assert next_working_start(now, "Mars/Olympus_Mons", 9, 18) == now


def test_a_night_shift_starts_in_the_evening() -> None:
    noon = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
    assert next_working_start(noon, "UTC", 22, 6) == datetime(2026, 11, 17, 22, 0, tzinfo=UTC)


def test_times_are_shown_in_each_readers_zone_by_slack() -> None:
    moment = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert slack_time(moment) == ("<!date^1774854000^{date_short_pretty} at {time}|"
                                  "2026-03-30 07:00 UTC>")
