"""endringslogg.xml: the changes the hand-over makes (the archive part closes
its period; each registry entry goes to journalstatus «Arkivert»)."""

from __future__ import annotations

from .common import NOARK, Builder, Period, to_bytes, xs_datetime


def write(period: Period, arkivdel_id: str, status_changes: list[tuple[str, str, str]]) -> bytes:
    """`status_changes`: (systemID of the entry, old journalstatus, new journalstatus)."""
    b = Builder(NOARK + "endringslogg")
    root = b.root("endringslogg", "endringslogg.xsd")
    when, by = xs_datetime(period.made_at), period.made_by
    changes = [(arkivdel_id, "arkivdelstatus", "Aktiv periode", "Avsluttet periode")]
    changes += [(sid, "journalstatus", old, new) for sid, old, new in status_changes if old != new]
    for unit, field, old, new in changes:
        el = b.add(root, "endring")
        b.add(el, "referanseArkivenhet", unit)
        b.add(el, "referanseMetadata", field)
        b.add(el, "endretDato", when)
        b.add(el, "endretAv", by)
        b.add(el, "tidligereVerdi", old)
        b.add(el, "nyVerdi", new)
    return to_bytes(root)
