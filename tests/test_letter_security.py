"""A letter template cannot pull stored files into a letter, and cannot
switch escaping off.

A leader writes the template; the letter goes to a tenant. Whatever the
template names, the PDF holds only the letter layout's own resources (the
municipality's logo, embedded fonts), and every value from the register is
printed as text.
"""

from __future__ import annotations

import datetime
import io
import subprocess

import pikepdf
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from housing_office import pdf as pdf_module
from letters import engine, letter_templates, rendering
from letters.models import Letter, LetterStatus, LetterTemplate
from letters.summons import create_summons_batch, sample_context

from . import factories
from .test_letters import pdffonts, tiny_png

pytestmark = pytest.mark.django_db

SECRET = b"HEMMELIG-BREV-FRA-ANNEN-KOMMUNE-7d1f3c"
SECRET_NAME = "letters/2031/01/innkalling-999.pdf"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def secret_file(media):
    """Another municipality's stored letter, under the shared MEDIA_ROOT."""
    path = media / SECRET_NAME
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-1.4\n" + SECRET + b"\n%%EOF\n")
    return path


@pytest.fixture
def with_logo(municipality):
    municipality.logo.save("skien.png", ContentFile(tiny_png()), save=True)
    return municipality


# Every way HTML and CSS can make WeasyPrint fetch a resource, each pointing at
# the secret file (or at a file outside MEDIA_ROOT).
HOSTILE_REFERENCES = {
    "attachment link": f'<p><a rel="attachment" href="media:{SECRET_NAME}">Vedlegg</a></p>',
    "image": f'<p><img src="media:{SECRET_NAME}" alt="x"></p>',
    "file image": '<p><img src="file:///etc/passwd" alt="x"></p>',
    "style url": f'<p style="background: url(media:{SECRET_NAME})">Hei</p>',
    "object": f'<object data="media:{SECRET_NAME}" type="application/pdf"></object>',
    "link element": f'<link rel="attachment" href="media:{SECRET_NAME}">',
    "static": '<p><img src="static:css/site.css" alt="x"></p>',
    "relative attachment": '<p><a rel="attachment" href="../../media/letters/x.pdf">x</a></p>',
    "data uri attachment": '<p><a rel="attachment" href="data:text/plain,hei">x</a></p>',
    "style element": f"<style>@import url(media:{SECRET_NAME});</style>",
    "svg image": f'<svg><image href="media:{SECRET_NAME}"></image></svg>',
    "embed": f'<embed src="media:{SECRET_NAME}">',
}


def streams_of(data: bytes) -> bytes:
    """Every stream of the PDF, decoded, concatenated."""
    parts = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
    return b"\n".join(parts)


def attachments_of(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        names = list(pdf.attachments)
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                if annot.get("/Subtype") == pikepdf.Name.FileAttachment:
                    names.append(str(annot.get("/Contents", "annotation")))
    return names


def pdfdetach_list(data: bytes, tmp_path) -> str:
    path = tmp_path / "detach.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdfdetach", "-list", str(path)], check=True, capture_output=True, text=True)
    return done.stdout


def image_count(data: bytes, tmp_path) -> int:
    path = tmp_path / "images.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    return len(out.splitlines()) - 2


def store_template_directly(municipality, body: str, subject: str = "Innkalling") -> LetterTemplate:
    """A template saved before the checks existed: straight into the table."""
    letter_templates.ensure_default_templates(municipality)
    latest = letter_templates.current_template(municipality, "summons", "nb")
    return LetterTemplate.all_objects.create(
        municipality=municipality,
        kind="summons",
        language="nb",
        version=latest.version + 1,
        subject=subject,
        body=body,
    )


def summon_one(municipality, user, household, capture) -> Letter:
    monday = timezone.localdate() + datetime.timedelta(days=21)
    monday -= datetime.timedelta(days=monday.weekday())
    with capture(execute=True):
        batch = create_summons_batch(
            municipality=municipality,
            by=user,
            household_ids=[household.pk],
            caseworkers=[user],
            place="Rådhuset",
            first=timezone.make_aware(datetime.datetime.combine(monday, datetime.time(10, 0))),
            minutes=45,
        )
    return Letter.all_objects.get(batch_key=batch.batch_key)


def letter_household(municipality, **person):
    household = factories.HouseholdFactory(
        municipality=municipality, address="Gata 1", postal_code="3715", postal_place="SKIEN"
    )
    factories.PersonFactory(household=household, first_name="Åse", last_name="Ødegård", role="main")
    if person:
        factories.PersonFactory(household=household, **person)
    return household


# --- Item 1: stored files ------------------------------------------------------


@pytest.mark.parametrize("body", HOSTILE_REFERENCES.values(), ids=HOSTILE_REFERENCES.keys())
def test_a_reference_to_a_file_is_refused_at_save(municipality, secret_file, body):
    with pytest.raises(engine.TemplateRefused) as refused:
        letter_templates.check_template("Innkalling", body, municipality=municipality, language="nb")
    message = refused.value.messages[0]
    assert "ikke" in message and "brev" in message, message


def test_the_leader_cannot_save_an_attachment_in_the_editor(leader_client, municipality, secret_file):
    letter_templates.ensure_default_templates(municipality)
    template = letter_templates.current_template(municipality, "summons", "nb")
    url = reverse("letters:template-edit", args=[template.pk])
    body = HOSTILE_REFERENCES["attachment link"]
    response = leader_client.post(url, {"subject": "Innkalling", "body": body})
    assert response.status_code == 400
    assert "Vedlegg" in response.content.decode()
    assert letter_templates.current_template(municipality, "summons", "nb").pk == template.pk
    preview = leader_client.post(
        reverse("letters:template-preview", args=[template.pk]), {"subject": "Innkalling", "body": body}
    )
    assert preview.status_code == 400
    assert preview["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("name", HOSTILE_REFERENCES.keys())
def test_a_stored_template_with_a_reference_renders_without_the_file(
    municipality, with_logo, caseworker_user, secret_file, django_capture_on_commit_callbacks, tmp_path, name
):
    store_template_directly(municipality, "<p>Hei {{ recipient_name }}</p>" + HOSTILE_REFERENCES[name])
    household = letter_household(municipality)
    letter = summon_one(municipality, caseworker_user, household, django_capture_on_commit_callbacks)
    assert letter.status == LetterStatus.RENDERED, letter.error
    with letter.pdf.open("rb") as handle:
        data = handle.read()
    assert attachments_of(data) == []
    assert "0 embedded files" in pdfdetach_list(data, tmp_path)
    streams = streams_of(data)
    assert SECRET not in streams
    assert b"root:x:0:0" not in streams
    # The layout's own resources are still there: the logo and the fonts.
    assert image_count(data, tmp_path) == 1
    assert all(font[-5] == "yes" for font in pdffonts(data, tmp_path))  # emb column


def test_the_normal_letter_keeps_logo_and_fonts(
    municipality, with_logo, caseworker_user, django_capture_on_commit_callbacks, tmp_path
):
    household = letter_household(municipality)
    letter = summon_one(municipality, caseworker_user, household, django_capture_on_commit_callbacks)
    assert letter.status == LetterStatus.RENDERED, letter.error
    with letter.pdf.open("rb") as handle:
        data = handle.read()
    assert image_count(data, tmp_path) == 1
    fonts = pdffonts(data, tmp_path)
    assert fonts and all(font[-5] == "yes" for font in fonts)


def test_the_fetcher_serves_only_what_the_rendering_code_allows(with_logo, secret_file):
    logo = f"media:{with_logo.logo.name}"
    fetch = pdf_module.make_url_fetcher([logo])
    response = fetch(logo)
    assert response.read() == tiny_png()
    response.close()
    for url in (
        f"media:{SECRET_NAME}",
        f"media:{with_logo.logo.name}/../../{SECRET_NAME}",
        f"file://{secret_file}",
        "file:///etc/passwd",
        "static:css/site.css",
        "data:text/plain,hei",
        "https://example.com/x.png",
    ):
        with pytest.raises(ValueError):
            fetch(url)
    with pytest.raises(ValueError):
        pdf_module.make_url_fetcher()(logo)


def test_a_report_pdf_cannot_attach_a_stored_file(secret_file):
    data = pdf_module.html_to_pdf(
        f'<html lang="nb"><body><p>Rapport</p><a rel="attachment" href="media:{SECRET_NAME}">x</a>'
        f'<img src="media:{SECRET_NAME}"></body></html>'
    )
    assert attachments_of(data) == []
    assert SECRET not in streams_of(data)


def test_the_start_loan_summary_still_has_its_municipalitys_logo(with_logo, tmp_path):
    from startloan.tasks import assessment_pdf_context

    application = factories.StartLoanApplicationFactory(household__municipality=with_logo)
    data = pdf_module.render_pdf("startloan/assessment_pdf.html", assessment_pdf_context(application))
    assert image_count(data, tmp_path) == 1


# --- Item 3: escaping stays on ----------------------------------------------------

FORBIDDEN_FILTERS = [
    "safe",
    "safeseq",
    "force_escape",
    "escapejs",
    "urlize",
    "urlizetrunc:5",
    "stringformat:'s'",
    "make_list",
    "ljust:'999999999'",
    "rjust:'999999999'",
    "center:'999999999'",
    "add:recipient_name",
    "join:'x'",
    "random",
    "json_script:'x'",
    "unordered_list",
    "iriencode",
    "striptags",
]


@pytest.mark.parametrize("expression", FORBIDDEN_FILTERS)
def test_a_forbidden_filter_is_refused_by_name(municipality, expression):
    name = expression.split(":")[0]
    body = f"<p>Hei</p>\n<p>{{{{ recipient_name|{expression} }}}}</p>"
    with pytest.raises(engine.TemplateRefused) as refused:
        letter_templates.check_template("Innkalling", body, municipality=municipality, language="nb")
    message = refused.value.messages[0]
    assert f"Filteret «{name}» kan ikke brukes i brevmaler" in message, message
    assert "linje 2" in message, message


FORBIDDEN_TAGS = {
    "autoescape": "{% autoescape off %}{{ recipient_name }}{% endautoescape %}",
    "lorem": "{% lorem 9999 w random %}",
    "widthratio": "{% widthratio 1 1 99999999 %}",
    "filter": "{% filter upper %}x{% endfilter %}",
    "verbatim": "{% verbatim %}x{% endverbatim %}",
    "templatetag": "{% templatetag openblock %}",
    "load": "{% load static %}",
    "include": '{% include "letters/letter.css" %}',
    "extends": '{% extends "base.html" %}',
    "debug": "{% debug %}",
    "now": '{% now "Y" %}',
    "url": '{% url "login" %}',
    "csrf_token": "{% csrf_token %}",
    "block": "{% block x %}{% endblock %}",
    "spaceless": "{% spaceless %}<p>x</p>{% endspaceless %}",
    "regroup": "{% regroup x by y as z %}",
    "cycle": "{% cycle 'a' 'b' %}",
    "endautoescape": "{% endautoescape %}",
}


@pytest.mark.parametrize("tag", FORBIDDEN_TAGS.keys())
def test_a_forbidden_tag_is_refused_by_name(municipality, tag):
    body = f"<p>Hei</p>\n<p>{FORBIDDEN_TAGS[tag]}</p>"
    with pytest.raises(engine.TemplateRefused) as refused:
        letter_templates.check_template("Innkalling", body, municipality=municipality, language="nb")
    message = refused.value.messages[0]
    assert f"Taggen {{% {tag} %}} kan ikke brukes i brevmaler" in message, message
    assert "linje 2" in message, message


def test_the_editor_names_the_forbidden_filter(leader_client, municipality):
    letter_templates.ensure_default_templates(municipality)
    template = letter_templates.current_template(municipality, "summons", "nb")
    url = reverse("letters:template-edit", args=[template.pk])
    response = leader_client.post(url, {"subject": "Innkalling", "body": "<p>{{ recipient_name|safe }}</p>"})
    assert response.status_code == 400
    assert "Filteret «safe» kan ikke brukes i brevmaler" in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        "<p>{{ recipient_name|safe }}</p>",
        "<p>{% autoescape off %}{{ recipient_name }}{% endautoescape %}</p>",
    ],
)
def test_a_stored_template_that_switches_escaping_off_fails_cleanly(
    municipality, caseworker_user, django_capture_on_commit_callbacks, body
):
    """A template saved before the allow-list cannot print markup: the letter
    is not made, and says why in Norwegian."""
    store_template_directly(municipality, body)
    household = letter_household(municipality, first_name="<b>X</b>", last_name="", role="co_applicant")
    letter = summon_one(municipality, caseworker_user, household, django_capture_on_commit_callbacks)
    assert letter.status == LetterStatus.FAILED
    assert "kan ikke brukes i brevmaler" in letter.error, letter.error
    assert not letter.pdf


def test_a_co_applicants_markup_is_printed_as_text(
    municipality, caseworker_user, django_capture_on_commit_callbacks, tmp_path
):
    from .test_letters import pdftotext

    store_template_directly(municipality, "<p>Til {{ recipient_name }}</p>")
    household = letter_household(municipality, first_name="<b>X</b>", last_name="", role="co_applicant")
    letter = summon_one(municipality, caseworker_user, household, django_capture_on_commit_callbacks)
    assert letter.status == LetterStatus.RENDERED, letter.error
    with letter.pdf.open("rb") as handle:
        assert "<b>X</b>" in pdftotext(handle.read(), tmp_path)


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_default_templates_pass_the_allow_list(municipality, language):
    body = letter_templates.default_template_body("summons", language)
    letter_templates.check_template("Innkalling", body, municipality=municipality, language=language)


ALLOWED = [
    ("{{ caseworker_title|capfirst }}", "Saksbehandler"),
    ("{{ caseworker_title|upper }}", "SAKSBEHANDLER"),
    ("{{ office_name|lower }}", "boligkontoret"),
    ("{{ meeting_place|title }}", "Rådhuset, Møterom Ibsen"),
    ("{% with x='' %}{{ x|default:'ingen' }}{% endwith %}", "ingen"),
    ("{{ office_email|default_if_none:'ingen' }}", ""),
    ("{{ interpreter_language|yesno:'tolk,ingen tolk' }}", "tolk"),
    ("{{ meeting_duration|length }}", "2"),
    ("minutt{{ meeting_duration|pluralize:'er' }}", "minutter"),
    ("{{ meeting_duration|floatformat:2 }}", "45,00"),
    ("{{ meeting_duration|floatformat:'999999' }}", "45,0000000000"),
    ("{{ recipient_postal|linebreaksbr }}", "3715 SKIEN"),
    ("{{ recipient_name|truncatewords:2 }}", "Kari Nordmann …"),
    ("{{ recipient_name|truncatechars:5 }}", "Kari…"),
    ("{{ meeting_date|date:'j. F Y' }}", ""),
    ("{{ meeting_time|time:'H.i' }}", ""),
    ("{% if office_email %}e{% elif office_phone %}t{% else %}-{% endif %}", "e"),
    ("{% for c in 'ab' %}[{{ c }}{{ forloop.counter }}]{% empty %}0{% endfor %}", "[a1][b2]"),
    ("{% with n=recipient_name %}{{ n }}{% endwith %}", "Kari Nordmann"),
    ("{% comment %}intern{% endcomment %}ok", "ok"),
    ("{% firstof office_email office_phone %}", "@"),
]


@pytest.mark.parametrize(("expression", "expected"), ALLOWED)
def test_every_allowed_filter_and_tag_works(municipality, expression, expected):
    municipality.email = "post@skien.kommune.no"
    municipality.save()
    body = f"<p>{expression}</p>"
    letter_templates.check_template("Innkalling", body, municipality=municipality, language="nb")
    template = LetterTemplate(subject="Innkalling", body=body, language="nb")
    _subject, rendered = rendering.render_text(template, sample_context(municipality, "nb"))
    assert expected in rendered, rendered


def test_a_loop_cannot_run_unbounded_in_a_preview(municipality):
    nested = "{% for a in recipient_name %}" * 6 + "x" + "{% endfor %}" * 6
    with pytest.raises(engine.TemplateRefused) as refused:
        letter_templates.check_template(
            "Innkalling", f"<p>{nested}</p>", municipality=municipality, language="nb"
        )
    assert "for mange ganger" in refused.value.messages[0]
