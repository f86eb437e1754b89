"""What every extraction file shares: namespaces, typed values, the schemas."""

from __future__ import annotations

import datetime
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from lxml import etree

NOARK = "http://www.arkivverket.no/standarder/noark5/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_FILES = {
    "arkivstruktur.xml": "arkivstruktur.xsd",
    "endringslogg.xml": "endringslogg.xsd",
    "loependeJournal.xml": "loependeJournal.xsd",
    "offentligJournal.xml": "offentligJournal.xsd",
    "arkivuttrekk.xml": "addml.xsd",
}
# The schemas a package carries beside its files (addml.xsd last).
PACKAGE_SCHEMAS = (
    "arkivstruktur.xsd",
    "metadatakatalog.xsd",
    "endringslogg.xsd",
    "loependeJournal.xsd",
    "offentligJournal.xsd",
    "addml.xsd",
)
SYSTEM_NAME = "Boligkontoret"
# Stable systemIDs for the archive and its parts, made from the municipality
# number and the year (UUID version 5), so that each extraction names them alike.
SYSTEM_ID_NAMESPACE = uuid.UUID("6c1d0f4e-0b0e-4d8e-9a64-8f1c5a1b2e11")


def schema_dir() -> Path:
    configured = getattr(settings, "NOARK_SCHEMA_DIR", "") or os.environ.get("NOARK_SCHEMA_DIR", "")
    if configured:
        return Path(configured)
    # Shipped with the code (see schemas/README.md for where they come from).
    return Path(__file__).resolve().parent / "schemas"


def stable_id(*parts: object) -> str:
    return str(uuid.uuid5(SYSTEM_ID_NAMESPACE, "/".join(str(p) for p in parts)))


def xs_date(value: datetime.date) -> str:
    return value.isoformat()


def xs_datetime(value: datetime.datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Builder:
    """Appends elements in the order the schema's sequence asks for them."""

    def __init__(self, namespace: str):
        self.ns = namespace

    def root(self, name: str, schema_file: str) -> etree._Element:
        el = etree.Element(f"{{{self.ns}}}{name}", nsmap={None: self.ns, "xsi": XSI})
        el.set(f"{{{XSI}}}schemaLocation", f"{self.ns} {schema_file}")
        return el

    def add(self, parent: etree._Element, name: str, value: object = None, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{self.ns}}}{name}")
        for key, val in attrs.items():
            el.set(key, val)
        if value is not None:
            el.text = value if isinstance(value, str) else str(value)
        return el

    def fields(self, parent: etree._Element, pairs: list[tuple[str, object]]) -> None:
        """Add each (name, value) whose value is not None or empty."""
        for name, value in pairs:
            if value is None or value == "":
                continue
            self.add(parent, name, value)


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@dataclass
class Creator:
    """The archive creator (*arkivskaper*): the municipality."""

    ident: str
    name: str
    description: str = ""


@dataclass
class Period:
    municipality_number: str
    year: int
    start: datetime.date
    end: datetime.date
    creator: Creator
    made_at: datetime.datetime
    made_by: str
    archive_title: str
    extra: dict = field(default_factory=dict)
