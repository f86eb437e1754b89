"""The deadlines of an arrears case, as pure functions of dates.

Sources, cited where each rule is applied:

* Tvangsfullbyrdelsesloven (tvfbl.) § 4-18: enforcement (here: eviction,
  *fravikelse*, for unpaid rent, § 13-2 (3) a) may not be requested until 14
  days after the debtor received a written notice that it will be requested
  unless the claim is paid; the notice may not be given before the claim is
  due. https://lovdata.no/lov/1992-06-26-86/§4-18
* Domstolloven § 148: a time limit counted in days starts the day after the
  event (receipt), so the tenant may pay through receipt + 14 days and the
  request can be made on receipt + 15 days at the earliest.
  https://lovdata.no/lov/1915-08-13-5/§148
* Husleieloven § 9-11: the landlord may notify the social services (NAV) in
  writing of a default that may lead to eviction; the tenant gets a copy or
  the content, and may reserve against such notices in writing. The
  preparatory works and the tenants' union ask for at least two weeks between
  the notice to NAV and the request for eviction
  (https://lovdata.no/lov/1999-03-26-17/§9-11;
  https://www.leieboerforeningen.no/ «Varslingsregelen»;
  https://veiviseren.no/ «Forhindre utkastelser»). We enforce the two weeks.
* When the tenant's receipt of the § 4-18 notice is not recorded, we assume
  it arrived POSTAL_DAYS after it was sent. Since 2020 Posten delivers
  ordinary letters every other working day and promises most letters within
  a few working days (postloven 2015 with the changes of 2020); seven
  calendar days cover five working days and a weekend. The request still
  needs proof of receipt (tvfbl. § 13-2 (3) a, § 4-18), so this is only the
  earliest date the office may send it, never a replacement for the proof.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

NOTICE_DAYS = 14
NAV_WAIT_DAYS = 14
POSTAL_DAYS = 7


@dataclass(frozen=True)
class Refusal:
    """A rule broken: the message for the office, in Norwegian."""

    message: str


def _d(day: datetime.date) -> str:
    return f"{day:%d.%m.%Y}"


def earliest_notice_4_18(oldest_due_date: datetime.date) -> datetime.date:
    """The § 4-18 notice may be given once the rent is due; rent due on a day
    may be paid throughout that day, so the day after."""
    return oldest_due_date + datetime.timedelta(days=1)


def check_notice_4_18(*, sent_on: datetime.date, oldest_due_date: datetime.date) -> Refusal | None:
    earliest = earliest_notice_4_18(oldest_due_date)
    if sent_on < earliest:
        return Refusal(
            f"Varsel etter tvangsfullbyrdelsesloven § 4-18 kan ikke sendes før husleien har forfalt "
            f"(eldste forfall {_d(oldest_due_date)}); tidligst {_d(earliest)}."
        )
    return None


def assumed_receipt(sent_on: datetime.date, received_on: datetime.date | None) -> datetime.date:
    """The recorded day of receipt, or the day it is assumed to have arrived."""
    return received_on or sent_on + datetime.timedelta(days=POSTAL_DAYS)


def earliest_eviction_request(
    *,
    notice_sent_on: datetime.date | None,
    notice_received_on: datetime.date | None,
    nav_notice_on: datetime.date | None,
) -> datetime.date | None:
    """The first day a request for eviction may be sent; None without a
    § 4-18 notice (no request is possible)."""
    if notice_sent_on is None:
        return None
    earliest = assumed_receipt(notice_sent_on, notice_received_on) + datetime.timedelta(days=NOTICE_DAYS + 1)
    if nav_notice_on is not None:
        earliest = max(earliest, nav_notice_on + datetime.timedelta(days=NAV_WAIT_DAYS))
    return earliest


def check_eviction_request(
    *,
    requested_on: datetime.date,
    notice_sent_on: datetime.date | None,
    notice_received_on: datetime.date | None,
    nav_notice_on: datetime.date | None,
) -> Refusal | None:
    if notice_sent_on is None:
        return Refusal(
            "Fravikelse kan ikke begjæres før det er sendt varsel etter tvangsfullbyrdelsesloven § 4-18."
        )
    notice_ok = assumed_receipt(notice_sent_on, notice_received_on) + datetime.timedelta(days=NOTICE_DAYS + 1)
    if requested_on < notice_ok:
        if notice_received_on is None:
            why = (
                f"varselet ble sendt {_d(notice_sent_on)}, og uten registrert mottak regner vi at det kom "
                f"fram etter {POSTAL_DAYS} dager"
            )
        else:
            why = f"varselet ble mottatt {_d(notice_received_on)}"
        return Refusal(
            f"Fravikelse kan tidligst begjæres {_d(notice_ok)}: leietakeren har 14 dager fra mottak av "
            f"varselet etter tvangsfullbyrdelsesloven § 4-18 ({why})."
        )
    if nav_notice_on is not None:
        nav_ok = nav_notice_on + datetime.timedelta(days=NAV_WAIT_DAYS)
        if requested_on < nav_ok:
            return Refusal(
                f"Fravikelse kan tidligst begjæres {_d(nav_ok)}: det skal gå minst to uker etter varselet "
                f"til NAV etter husleieloven § 9-11 ({_d(nav_notice_on)})."
            )
    return None


def check_nav_notice(*, reserved_since: datetime.date | None) -> Refusal | None:
    if reserved_since is not None:
        return Refusal(
            f"Leietakeren har reservert seg skriftlig mot varsel til NAV ({_d(reserved_since)}), "
            f"og da kan NAV ikke varsles etter husleieloven § 9-11."
        )
    return None


def instalments_missed(
    *,
    amount_at_start: object,
    instalments_due: object,
    amount_now: object,
) -> bool:
    """A payment agreement is broken when the newest list shows arrears not
    reduced by the instalments due by its date."""
    return amount_now > amount_at_start - instalments_due  # type: ignore[operator]


def months_behind(oldest_due_date: datetime.date, on: datetime.date) -> int:
    """Whole months from the oldest unpaid due date to `on`, counting the
    month of the first missed rent as one."""
    if on < oldest_due_date:
        return 0
    months = (on.year - oldest_due_date.year) * 12 + on.month - oldest_due_date.month
    if on.day >= oldest_due_date.day:
        months += 1
    return max(months, 1)
