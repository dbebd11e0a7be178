from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendars import BusinessCalendar, Window

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = {d: Window(time(9), time(18)) for d in range(5)}


def test_friday_evening_ticket_breaches_monday_minute() -> None:
    cal = BusinessCalendar("Europe/Berlin", WEEKDAYS)
    start = datetime(2026, 12, 4, 17, 30, tzinfo=BERLIN)  # Friday
    due = cal.add_business(start, timedelta(hours=2))
    assert due.astimezone(BERLIN) == datetime(2026, 12, 7, 10, 30, tzinfo=BERLIN)


def test_holiday_is_skipped() -> None:
    cal = BusinessCalendar("Europe/Berlin", WEEKDAYS, frozenset({date(2026, 12, 7)}))
    start = datetime(2026, 12, 4, 17, 30, tzinfo=BERLIN)
    due = cal.add_business(start, timedelta(hours=2))
    assert due.astimezone(BERLIN) == datetime(2026, 12, 8, 10, 30, tzinfo=BERLIN)


def test_dst_change_keeps_local_opening_hour() -> None:
    cal = BusinessCalendar("Europe/Berlin", WEEKDAYS)
    start = datetime(2026, 3, 27, 17, 0, tzinfo=BERLIN)  # Friday before spring-forward
    due = cal.add_business(start, timedelta(hours=2))
    assert due.astimezone(BERLIN) == datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN)
    assert due.utcoffset() == timedelta(0) and due.hour == 8  # CEST = UTC+2
