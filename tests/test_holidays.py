"""The office calendar: Norwegian public holidays and meeting slots."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from tenants.holidays import (
    easter_sunday,
    is_working_day,
    meeting_slots,
    next_working_day,
    public_holidays,
)

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2000, datetime.date(2000, 4, 23)),
        (2019, datetime.date(2019, 4, 21)),
        (2024, datetime.date(2024, 3, 31)),
        (2025, datetime.date(2025, 4, 20)),
        (2026, datetime.date(2026, 4, 5)),
        (2038, datetime.date(2038, 4, 25)),
        (2285, datetime.date(2285, 3, 22)),
    ],
)
def test_easter_sunday(year, expected):
    assert easter_sunday(year) == expected


def test_public_holidays_2025():
    days = public_holidays(2025)
    assert sorted(days) == [
        datetime.date(2025, 1, 1),
        datetime.date(2025, 4, 17),  # Skjærtorsdag
        datetime.date(2025, 4, 18),  # Langfredag
        datetime.date(2025, 4, 20),
        datetime.date(2025, 4, 21),  # Andre påskedag
        datetime.date(2025, 5, 1),
        datetime.date(2025, 5, 17),
        datetime.date(2025, 5, 29),  # Kristi himmelfartsdag
        datetime.date(2025, 6, 8),
        datetime.date(2025, 6, 9),  # Andre pinsedag
        datetime.date(2025, 12, 25),
        datetime.date(2025, 12, 26),
    ]
    assert days[datetime.date(2025, 4, 18)] == "Langfredag"


def test_ascension_on_17_may_counts_once():
    # In 2007 Ascension Day fell on 17 May, in 2008 on 1 May.
    assert public_holidays(2007)[datetime.date(2007, 5, 17)] == "Grunnlovsdagen"
    assert len(public_holidays(2007)) == 11
    assert public_holidays(2008)[datetime.date(2008, 5, 1)] == "Arbeidernes dag"
    assert len(public_holidays(2008)) == 11


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (datetime.date(2025, 4, 16), True),  # Wednesday before Easter
        (datetime.date(2025, 4, 17), False),  # Maundy Thursday
        (datetime.date(2025, 4, 21), False),  # Easter Monday
        (datetime.date(2025, 4, 22), True),
        (datetime.date(2025, 5, 17), False),  # Saturday and Constitution Day
        (datetime.date(2025, 5, 19), True),
        (datetime.date(2025, 11, 22), False),  # Saturday
        (datetime.date(2025, 11, 23), False),  # Sunday
        (datetime.date(2025, 12, 24), True),  # Christmas Eve is not a public holiday
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_next_working_day_skips_easter():
    assert next_working_day(datetime.date(2025, 4, 17)) == datetime.date(2025, 4, 22)


def take(iterator, n):
    return [next(iterator) for _ in range(n)]


def test_slots_fill_the_day_and_move_on_when_the_next_would_end_after_closing():
    slots = take(meeting_slots(datetime.datetime(2025, 11, 20, 13, 0), datetime.timedelta(minutes=45)), 5)
    # 13.00, 13.45, 14.30 (ends 15.15); 15.15 would end 16.00 > 15.30, so Friday 08.00.
    assert [s.replace(tzinfo=None) for s in slots] == [
        datetime.datetime(2025, 11, 20, 13, 0),
        datetime.datetime(2025, 11, 20, 13, 45),
        datetime.datetime(2025, 11, 20, 14, 30),
        datetime.datetime(2025, 11, 21, 8, 0),
        datetime.datetime(2025, 11, 21, 8, 45),
    ]
    assert all(s.tzinfo == OSLO for s in slots)


def test_last_slot_may_end_exactly_at_closing():
    slots = take(meeting_slots(datetime.datetime(2025, 11, 20, 14, 0), datetime.timedelta(minutes=45)), 3)
    assert [s.strftime("%d %H:%M") for s in slots] == ["20 14:00", "20 14:45", "21 08:00"]


def test_slots_skip_weekends_and_easter():
    # Tuesday before Easter 2025, 15.00: no room; Wednesday 08.00 fills the
    # day, then Thursday to Monday are Easter and the weekend.
    slots = take(
        meeting_slots(datetime.datetime(2025, 4, 15, 15, 0), datetime.timedelta(hours=3, minutes=30)), 4
    )
    assert [s.replace(tzinfo=None) for s in slots] == [
        datetime.datetime(2025, 4, 16, 8, 0),
        datetime.datetime(2025, 4, 16, 11, 30),
        datetime.datetime(2025, 4, 22, 8, 0),
        datetime.datetime(2025, 4, 22, 11, 30),
    ]


def test_first_slot_before_opening_moves_to_opening_and_weekend_to_monday():
    early = next(meeting_slots(datetime.datetime(2025, 11, 20, 6, 30), datetime.timedelta(minutes=30)))
    assert early.replace(tzinfo=None) == datetime.datetime(2025, 11, 20, 8, 0)
    saturday = next(meeting_slots(datetime.datetime(2025, 11, 22, 10, 0), datetime.timedelta(minutes=30)))
    assert saturday.replace(tzinfo=None) == datetime.datetime(2025, 11, 24, 8, 0)


def test_custom_opening_hours():
    slots = take(
        meeting_slots(
            datetime.datetime(2025, 11, 20, 9, 0),
            datetime.timedelta(hours=1),
            opens=datetime.time(9, 0),
            closes=datetime.time(11, 0),
        ),
        3,
    )
    assert [s.strftime("%d %H:%M") for s in slots] == ["20 09:00", "20 10:00", "21 09:00"]


def test_slots_keep_wall_clock_time_across_summer_time():
    # Summer time starts on Sunday 30 March 2025.
    slots = take(
        meeting_slots(
            datetime.datetime(2025, 3, 28, 9, 0, tzinfo=OSLO),
            datetime.timedelta(hours=6),
            opens=datetime.time(9, 0),
            closes=datetime.time(15, 0),
        ),
        2,
    )
    assert [s.hour for s in slots] == [9, 9]
    assert slots[0].utcoffset() == datetime.timedelta(hours=1)
    assert slots[1].utcoffset() == datetime.timedelta(hours=2)


def test_aware_first_slot_is_read_in_office_time():
    utc = datetime.datetime(2025, 11, 20, 12, 0, tzinfo=datetime.UTC)  # 13.00 in Oslo
    assert next(meeting_slots(utc, datetime.timedelta(minutes=30))).hour == 13


def test_a_slot_longer_than_the_day_is_refused():
    with pytest.raises(ValueError, match="fit"):
        next(meeting_slots(datetime.datetime(2025, 11, 20, 8), datetime.timedelta(hours=8)))
