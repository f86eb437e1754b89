"""The deadlines of a decision and a complaint, as pure functions of dates.

Sources (DOMAIN.md §3):

* Forvaltningsloven (fvl.) § 29 første ledd: the time to complain is three
  weeks from the day the notice of the decision reached the party.
  https://lovdata.no/lov/1967-02-10/§29
* The office does not learn the day a letter reached the party, so we
  ASSUME RECEIPT `ASSUMED_DELIVERY_DAYS` calendar days after the letter
  date. Posten delivers ordinary letters every other working day and promises
  most within a few working days; digital post (SvarUt) arrives sooner. Seven
  days cover five working days and a weekend, so the assumption errs in the
  party's favour: a complaint that arrives by the deadline we compute is in
  time whatever day the letter really arrived within that week. The letter
  states the rule itself (three weeks from receipt), not only our date.
* Time limits are counted the way domstolloven §§ 148–149 count them (the
  day of receipt is not counted; a deadline that ends on a Saturday, Sunday
  or public holiday runs to the next working day), which is the established
  way to count the time limits of forvaltningsloven.
  https://lovdata.no/lov/1915-08-13-5/§149
* Fvl. § 30: a complaint is in time when it reached the office, or was posted
  to it, before the deadline ran out. We compare the received date with the
  deadline; a caseworker who sees a postmark within the deadline records the
  complaint as received on that day.
* Fvl. § 31: a late complaint may still be considered when the party cannot
  be blamed for the delay or there are special reasons; the office must say
  why (`Complaint.late_reason`).
* Fvl. § 33: the first instance prepares the case, may change the decision,
  and otherwise sends the case to the appeal body "as soon as it is
  prepared". The law sets no day count; `review_due` is the office's own
  target of one month, the same threshold after which fvl. § 11 a asks for a
  provisional reply.
"""

from __future__ import annotations

import datetime

from tenants.holidays import next_working_day

ASSUMED_DELIVERY_DAYS = 7
COMPLAINT_WEEKS = 3
REVIEW_DAYS = 30


def assumed_receipt(letter_date: datetime.date) -> datetime.date:
    return letter_date + datetime.timedelta(days=ASSUMED_DELIVERY_DAYS)


def complaint_deadline(letter_date: datetime.date) -> datetime.date:
    """The last day a complaint is surely in time: three weeks from the
    assumed receipt, moved to the next working day (fvl. § 29, dl. § 149)."""
    end = assumed_receipt(letter_date) + datetime.timedelta(weeks=COMPLAINT_WEEKS)
    return next_working_day(end)


def is_in_time(received_on: datetime.date, deadline: datetime.date) -> bool:
    return received_on <= deadline


def review_due(received_on: datetime.date) -> datetime.date:
    """The office's target for the first-instance review of a complaint."""
    return next_working_day(received_on + datetime.timedelta(days=REVIEW_DAYS))
