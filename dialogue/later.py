"""When "later" is: the time a customer names in "remind me next week", "in 3 days", "on monday".

Day-based answers remind on that day at 10:00 the customer's own time: a morning hour that
falls inside the usual sending windows, and the policy is checked again when it is sent.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_LATER = timedelta(days=7)
REMIND_AT = time(10)
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3,
    "few": 3,
}  # fmt: skip
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_IN = re.compile(
    r"\b(?:in|after)\s+(\d{1,2}|a couple of|a couple|couple of|a few|few|an?|one|two|three|four|five|six|"
    r"seven|eight|nine|ten)\s+(hour|day|week|month)s?\b"
)
_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b")
_TOMORROW = re.compile(r"\b(?:tomorrow|tmrw|tmr|tomoz|2moro)\b")
_DAY_AFTER = re.compile(r"\bday after tomorrow\b")
_NEXT_WEEK = re.compile(r"\bnext week\b")
_NEXT_MONTH = re.compile(r"\bnext month\b")
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip
# "in december", "early january": the first of that month ("may" only after "in", it is a verb too).
_MONTH = re.compile(
    r"\b(?:in|after|from|early|start of|beginning of)\s+(?:early\s+)?(" + "|".join(_MONTHS) + r")\b"
)
_WEEKEND = re.compile(r"\b(?:this|next|at the|on the|over the) weekend\b")


def later_from(words: str, now: datetime) -> tuple[int, str] | None:
    """The delay named in `words` (lower-case), as (days or hours, unit); None when none is named."""
    if match := _IN.search(words):
        count, unit = match.group(1), match.group(2)
        amount = int(count) if count.isdigit() else _NUMBERS[count]
        if amount <= 0:
            return None
        if unit == "hour":
            return amount, "hours"
        return amount * _UNIT_DAYS[unit], "days"
    if _DAY_AFTER.search(words):
        return 2, "days"
    if _TOMORROW.search(words):
        return 1, "days"
    if _NEXT_WEEK.search(words):
        return 7, "days"
    if _NEXT_MONTH.search(words):
        return 30, "days"
    if match := _MONTH.search(words):
        return _days_until_month(now, _MONTHS.index(match.group(1)) + 1), "days"
    if _WEEKEND.search(words):
        return _days_until(now, 5), "days"
    if match := _WEEKDAY.search(words):
        return _days_until(now, _WEEKDAYS.index(match.group(1))), "days"
    return None


def remind_at(words: str, now: datetime, zone: ZoneInfo) -> datetime:
    """When to remind the customer who said `words`.

    Without a time named: a week later. Hours count from now; days land on that local day at
    `REMIND_AT`.
    """
    named = later_from(words, now.astimezone(zone))
    if named is None:
        amount, unit = DEFAULT_LATER.days, "days"
    else:
        amount, unit = named
    if unit == "hours":
        return now + timedelta(hours=amount)
    local_day: date = now.astimezone(zone).date() + timedelta(days=amount)
    at = datetime.combine(local_day, REMIND_AT, tzinfo=zone)
    return at.astimezone(now.tzinfo)


def _days_until(local_now: datetime, weekday: int) -> int:
    """Days to the next `weekday` (Monday = 0) after today: "on friday" said on a Friday is next week."""
    ahead = (weekday - local_now.weekday()) % 7
    return ahead or 7


def _days_until_month(local_now: datetime, month: int) -> int:
    """Days to the 1st of `month`: this year's if still ahead, else next year's."""
    year = local_now.year if month > local_now.month else local_now.year + 1
    return (date(year, month, 1) - local_now.date()).days
