"""arkivuttrekk.xml: Arkivverket's package-description template (ADDML 8.3),
filled in. The placeholders are found by their property names, so the
template itself stays as published."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from .common import Period, to_bytes

TEMPLATE = Path(__file__).with_name("arkivuttrekk_template.xml")
NS = "http://www.arkivverket.no/standarder/addml"
N = {"a": NS}


def _value(el: etree._Element, text: str) -> None:
    value = el.find("a:value", N)
    value.text = text


def write(
    period: Period,
    *,
    checksums: dict[str, str],
    counts: dict[str, int],
    document_files: int,
    screened: bool,
) -> bytes:
    """`checksums`: file name → SHA-256 for every XML file and schema in the
    package; a schema not in the package loses its checksum property."""
    tree = etree.parse(str(TEMPLATE), etree.XMLParser(remove_comments=True, remove_blank_text=True))
    root = tree.getroot()
    ctx = root.find("a:dataset/a:reference/a:context/a:additionalElements", N)
    creators = ctx.find("a:additionalElement[@name='recordCreators']/a:additionalElements", N)
    _value(creators.find("a:additionalElement[@name='recordCreator']", N), period.creator.name)
    _value(ctx.find("a:additionalElement[@name='systemType']", N), "Sakarkiv (Noark-5)")
    _value(ctx.find("a:additionalElement[@name='systemName']", N), "Boligkontoret")
    _value(ctx.find("a:additionalElement[@name='archive']", N), period.archive_title)
    dates = root.find(".//a:additionalElement[@name='archivalPeriod']/a:properties", N)
    _value(dates.find("a:property[@name='startDate']", N), period.start.isoformat())
    _value(dates.find("a:property[@name='endDate']", N), period.end.isoformat())
    info = root.find(".//a:property[@name='additionalInfo']/a:properties", N)
    for split in ("inngaaendeSkille", "utgaaendeSkille"):
        _value(info.find(f".//a:property[@name='{split}']", N), "mykt")
    flags = {
        "inneholderSkjermetInformasjon": screened,
        "omfatterDokumenterSomErKassert": False,
        "inneholderDokumenterSomSkalKasseres": False,
        "inneholderVirksomhetsspesifikkeMetadata": False,
    }
    for name, flag in flags.items():
        _value(info.find(f"a:property[@name='{name}']", N), "true" if flag else "false")
    _value(info.find("a:property[@name='antallDokumentfiler']", N), str(document_files))

    # A journal the package does not hold (a year without entries) is left out.
    for obj in root.findall(".//a:dataObjects/a:dataObject/a:dataObjects/a:dataObject", N):
        if f"{obj.get('name')}.xml" not in checksums:
            obj.getparent().remove(obj)
    for file_prop in root.iter(f"{{{NS}}}property"):
        if file_prop.get("name") != "file":
            continue
        name = file_prop.find("a:properties/a:property[@name='name']/a:value", N).text
        checksum = file_prop.find("a:properties/a:property[@name='checksum']", N)
        if checksum is None:
            continue
        if name in checksums:
            value = checksum.find("a:properties/a:property[@name='value']", N)
            _value(value, checksums[name])
        else:
            checksum.getparent().remove(checksum)
    for occ in root.iter(f"{{{NS}}}property"):
        if occ.get("name") != "numberOfOccurrences":
            continue
        what = occ.find("a:value", N).text
        target = occ.find("a:properties/a:property[@name='value']", N)
        _value(target, str(counts.get(what, 0)))
    return to_bytes(root)
