"""Brevtekst: the leader's writing surface for letters (letters.markup), its
conversion both ways, its Norwegian errors with line numbers, the editor
page and the preview's caseworker."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from letters import engine, letter_templates, markup, rendering
from letters.models import LetterTemplate, TemplateFormat
from letters.summons import SUMMONS, sample_context

from . import factories

FIELDS = SUMMONS.fields
OLD_DEFAULTS = Path(__file__).parent / "letter_defaults_html"
ENGLISH = re.compile(
    r"\b(expression|tag|invalid|unclosed|unexpected|expected|could|parse|remainder|statement|requires|"
    r"argument|arguments|provided|variable|variables|filter|block|line|empty|not|found|error|the)\b",
    re.I,
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


def text_of(rendered_html: str) -> str:
    """What a reader sees: the tags gone, entities decoded, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", rendered_html)).split())


# --- The converter, forwards -------------------------------------------------------


def test_text_becomes_paragraphs_headings_lists_tables_and_fields():
    source = (
        "Hei, [mottakers navn]!\n"
        "Andre linje med **fet** skrift.\n"
        "\n"
        "## Tid og sted\n"
        "| Dag | [dag for samtalen]\n"
        "| [Du] møter | [saksbehandlers navn]\n"
        "\n"
        "- den siste skattemeldingen [din]\n"
        "- \\[ikke et felt]\n"
    )
    assert markup.to_template(source, FIELDS) == (
        "<p>Hei, {{ recipient_name }}!<br>\nAndre linje med <strong>fet</strong> skrift.</p>\n\n"
        "<h2>Tid og sted</h2>\n\n"
        '<table class="facts">\n'
        '  <tr><th scope="row">Dag</th><td>{{ meeting_date }}</td></tr>\n'
        '  <tr><th scope="row">{{ du|capfirst }} møter</th><td>{{ caseworker_name }}</td></tr>\n'
        "</table>\n\n"
        "<ul>\n  <li>den siste skattemeldingen {{ din }}</li>\n  <li>[ikke et felt]</li>\n</ul>\n"
    )


def test_conditions_on_their_own_lines_or_inside_a_paragraph():
    source = (
        "Ring oss[hvis saksbehandlers e-post] eller skriv til [saksbehandlers e-post][slutt].\n"
        "[hvis ikke tolkespråk]\n"
        "Du kan få tolk.\n"
        "[ellers]\n"
        "Vi bestiller tolk på [tolkespråk].\n"
        "[slutt]\n"
    )
    assert markup.to_template(source, FIELDS) == (
        "<p>Ring oss{% if caseworker_email %} eller skriv til {{ caseworker_email }}{% endif %}.</p>\n\n"
        "{% if not interpreter_language %}\n\n<p>Du kan få tolk.</p>\n\n{% else %}\n\n"
        "<p>Vi bestiller tolk på {{ interpreter_language }}.</p>\n\n{% endif %}\n"
    )


def test_the_closing_is_wrapped_with_the_paragraph_before_it_and_small_print_is_a_section():
    source = "Vi gleder oss.\n\nVennlig hilsen\n[saksbehandlers navn]\n\n---\n\n## Personvern\n\nTekst.\n"
    assert markup.to_template(source, FIELDS) == (
        '<div class="closing">\n<p>Vi gleder oss.</p>\n'
        '<p class="signature">Vennlig hilsen<br>\n{{ caseworker_name }}</p>\n</div>\n\n'
        '<section class="privacy">\n\n<h2>Personvern</h2>\n\n<p>Tekst.</p>\n\n</section>\n'
    )


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ recipient_name|safe }}",
        "{% autoescape off %}x{% endautoescape %}",
        '<img src="media:letters/x.pdf" alt="">',
        '<a rel="attachment" href="media:x">x</a>',
        "<script>alert(1)</script>",
        "{# kommentar #} {% load static %}",
        "&lt; &amp; &#123;",
    ],
)
def test_whatever_the_leader_types_is_text(hostile):
    """Only the converter writes template tags and HTML: typed code is shown
    as the characters typed, never run."""
    template = markup.to_template(hostile, FIELDS)
    assert "{%" not in template and "{{" not in template and "<img" not in template
    assert "<script" not in template and "<a " not in template
    compiled = engine.compile_template(template)
    from django.template import Context

    assert text_of(compiled.render(Context({}))) == " ".join(hostile.split())
    engine.check_html(compiled.render(Context({})))


# --- Errors: Norwegian, with the line ------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "Hei!\n\nVi møtes her:\n[møtested]\n",
            "Linje 4: feltet [møtested] finnes ikke. Velg et felt fra listen.",
        ),
        ("Hei [mottakers nav]!", "Linje 1: feltet [mottakers nav] finnes ikke. Mente du [mottakers navn]?"),
        ("Hei\n\n[hvis tolkespråk]\nTolk.\n", "Linje 3: [hvis tolkespråk] mangler en [slutt]."),
        ("Hei\n[ellers]\n", "Linje 2: [ellers] står uten en [hvis …] foran seg."),
        ("Hei\n\n\n[slutt]\n", "Linje 4: [slutt] står uten en [hvis …] foran seg."),
        ("Hei [hvis tolkespråk] tolk.", "Linje 1: [hvis …] må avsluttes med [slutt] i samme avsnitt."),
        ("Hei\n[hvis]\nx\n[slutt]", "Linje 2: [hvis] må følges av et felt"),
        ("Hei\n\nDette er [ikke lukket", "Linje 3: «[» åpner et felt som ikke lukkes"),
        ("Hei\n**fet\n", "Linje 2: fet skrift (**) er ikke avsluttet"),
        ("[hvis tolkespråk]\nx\n---\ny\n[slutt]", "Linje 3: --- kan ikke stå inne i [hvis tolkespråk]"),
        ("a\n---\nb\n---\nc", "Linje 4: brevet kan ha bare én linje med ---"),
        ("| Dag\n", "Linje 1: en tabellrad trenger to deler"),
        ("   \n", "Brevteksten er tom."),
    ],
)
def test_a_mistake_is_named_in_norwegian_with_its_line(municipality, source, message):
    with pytest.raises(engine.TemplateRefused) as refused:
        letter_templates.check_template(
            "Innkalling",
            source,
            municipality=municipality,
            language="nb",
            text_format=TemplateFormat.BREVTEKST,
        )
    assert message in refused.value.messages[0]
    assert not ENGLISH.search(refused.value.messages[0].replace("[", " ").replace("]", " "))


BROKEN_TEMPLATES = [
    "<p>{% if %}</p>",
    "<p>{% if recipient_name %}Hei</p>",
    "<p>{% if recipient_name == %}x{% endif %}</p>",
    "<p>{% if recipient_name office_name %}x{% endif %}</p>",
    "<p>{% if and %}x{% endif %}</p>",
    "<p>{% if recipient_name and %}x{% endif %}</p>",
    "<p>{% if recipient_name not office_name %}x{% endif %}</p>",
    "<p>{{ recipient_name|ukjent }}</p>",
    "<p>{{ recipient_name| }}</p>",
    "<p>{{ recipient_name|default }}</p>",
    "<p>{{ recipient_name|upper:'x' }}</p>",
    "<p>{{ }}</p>",
    "<p>{% %}</p>",
    "<p>{{ _skjult }}</p>",
    "<p>{{ recipient_name.  }}</p>",
    "<p>{{ 'uavsluttet }}</p>",
    "<p>{{ recipient_name!! }}</p>",
    "<p>{% for %}{% endfor %}</p>",
    "<p>{% for x %}{% endfor %}</p>",
    "<p>{% for x on recipient_name %}{% endfor %}</p>",
    "<p>{% for x in recipient_name %}</p>",
    "<p>{% with %}{% endwith %}</p>",
    "<p>{% with x %}{% endwith %}</p>",
    "<p>{% firstof %}</p>",
    "<p>{% endif %}</p>",
    "<p>{% else %}</p>",
    "<p>{% elif x %}</p>",
    "<p>{% include 'x.html' %}</p>",
    "<p>{% load static %}</p>",
    "<p>{% comment %}</p>",
    "<p>{{ recipient_name|date:'Y'|floatformat:'x' }}</p>",
    "<p>{{ meeting_duration|floatformat:'abc' }}</p>",
    "<p>{{ letter_date|truncatechars:'mange' }}</p>",
    "<p>{% if recipient_name %}{% else %}{% else %}{% endif %}</p>",
    "<p>{{ recipient_name|yesno:'a,b,c,d,e' }}</p>",
    "<p>{% if 1 < %}x{% endif %}</p>",
    "<div><p>x</div>",
    "<p>x</p></p>",
]


@pytest.mark.parametrize("source", BROKEN_TEMPLATES)
def test_no_english_from_the_template_engine_reaches_the_leader(municipality, source):
    """Stored HTML versions are still edited as HTML: whatever is wrong in
    them, the message is Norwegian."""
    try:
        letter_templates.check_template("Innkalling", source, municipality=municipality, language="nb")
    except engine.TemplateRefused as refused:
        message = refused.messages[0]
    else:
        return  # a source Django accepts, e.g. an unknown filter argument it ignores
    quoted = re.sub(r"«[^»]*»|\{%[^%]*%\}|\{\{[^}]*\}\}|<[^>]*>", " ", message)
    assert not ENGLISH.search(quoted), message


# --- Both ways: the shipped defaults -------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_shipped_letters_are_brevtekst_and_read_as_before(municipality, language):
    source = SUMMONS.default_source(language)
    old_html = (OLD_DEFAULTS / f"summons_{language}.html").read_text(encoding="utf-8")
    template = markup.to_template(source, FIELDS)
    # Back and forth give the same brevtekst; the old HTML reads back as it too.
    assert markup.to_markup(template, FIELDS) == source
    assert markup.to_markup(old_html, FIELDS) == source
    assert markup.to_template(markup.to_markup(template, FIELDS), FIELDS) == template
    # The letter says the same as the HTML default did, word for word.
    for sparse in (False, True):
        context = sample_context(municipality, language, sparse=sparse)
        new = rendering.render_text(LetterTemplate(subject="S", body=template, language=language), context)[1]
        old = rendering.render_text(LetterTemplate(subject="S", body=old_html, language=language), context)[1]
        assert text_of(new) == text_of(old)
    letter_templates.check_template(
        SUMMONS.subjects[language], source, municipality=municipality, language=language,
        text_format=TemplateFormat.BREVTEKST,
    )  # fmt: skip


def test_an_html_template_outside_brevtekst_is_not_expressible():
    for old in ("<p><em>x</em></p>", "<p>{{ recipient_name|upper }}</p>", '<p class="x">y</p>', "tekst"):
        with pytest.raises(markup.NotExpressible):
            markup.to_markup(old, FIELDS)


def test_the_subject_takes_fields_both_ways():
    template = markup.subject_to_template("Til [Mottakers navn] {{ x }}", FIELDS)
    assert template == "Til {{ recipient_name|capfirst }} &#123;&#123; x &#125;&#125;"
    assert markup.subject_to_markup(template, FIELDS) == "Til [Mottakers navn] {{ x }}"


# --- Stored versions ------------------------------------------------------------------


def test_new_versions_keep_the_brevtekst_and_old_html_versions_still_render(municipality, leader_user):
    letter_templates.ensure_default_templates(municipality)
    first = letter_templates.current_template(municipality, "summons", "nb")
    assert first.format == TemplateFormat.BREVTEKST and first.source == SUMMONS.default_source("nb")
    new = letter_templates.save_template_version(
        municipality=municipality,
        kind="summons",
        language="nb",
        subject="Til [mottakers navn]",
        body="Hei, [mottakers navn]!\n\nVennlig hilsen\n[saksbehandlers navn]",
        by=leader_user,
        text_format=TemplateFormat.BREVTEKST,
    )
    assert new.format == TemplateFormat.BREVTEKST
    assert new.subject == "Til {{ recipient_name }}"
    assert "<p>Hei, {{ recipient_name }}!</p>" in new.body
    assert letter_templates.editable_text(new) == (
        "Til [mottakers navn]",
        "Hei, [mottakers navn]!\n\nVennlig hilsen\n[saksbehandlers navn]",
        TemplateFormat.BREVTEKST,
    )
    # A version stored as HTML before brevtekst: still renders, still edits.
    old = LetterTemplate.all_objects.create(
        municipality=municipality, kind="summons", language="nb", version=9, subject="Gammel",
        body="<p><em>Hei</em>, {{ recipient_name|upper }}</p>",
    )  # fmt: skip
    assert old.format == TemplateFormat.HTML
    subject, body = rendering.render_text(old, sample_context(municipality, "nb"))
    assert "<em>Hei</em>, KARI NORDMANN OG ÅSMUND ØDEGÅRD" in body
    assert letter_templates.editable_text(old) == ("Gammel", old.body, TemplateFormat.HTML)


# --- The editor page ---------------------------------------------------------------


def test_the_editor_shows_brevtekst_and_the_fields_to_insert(leader_client, municipality):
    letter_templates.ensure_default_templates(municipality)
    template = letter_templates.current_template(municipality, "summons", "nb")
    page = leader_client.get(reverse("letters:template-edit", args=[template.pk])).content.decode()
    assert "## Tid og sted" in page and "{{" not in page.split("<textarea", 1)[1].split("</textarea>")[0]
    assert 'data-insert="[mottakers navn]"' in page
    assert "Navnet på mottakeren" in page
    assert 'src="/static/js/letter-editor.js"' in page
    assert Path("static/js/letter-editor.js").exists()
    # A help text example is shown, not rendered.
    assert "<p>…</p>" not in page


def test_saving_brevtekst_in_the_browser(leader_client, municipality):
    letter_templates.ensure_default_templates(municipality)
    template = letter_templates.current_template(municipality, "summons", "nb")
    url = reverse("letters:template-edit", args=[template.pk])
    body = "Hei, [mottakers navn]!\n\n[Du] er velkommen.\n"
    response = leader_client.post(url, {"subject": "Invitasjon", "body": body, "format": "brevtekst"})
    new = letter_templates.current_template(municipality, "summons", "nb")
    assert response.status_code == 302 and new.version == 2 and new.source == body.strip()

    broken = "Hei!\n\nVi møtes her:\n[møtested]\n"
    response = leader_client.post(url, {"subject": "Invitasjon", "body": broken, "format": "brevtekst"})
    assert response.status_code == 400
    content = html.unescape(response.content.decode())
    assert "Linje 4: feltet [møtested] finnes ikke. Velg et felt fra listen." in content
    assert broken.strip() in content  # the leader's text is kept in the editor
    assert letter_templates.current_template(municipality, "summons", "nb").version == 2


def test_an_old_html_version_opens_as_html(leader_client, municipality):
    old = factories.LetterTemplateFactory(
        municipality=municipality, kind="summons", language="nb", version=1,
        body="<p><em>Hei</em> {{ recipient_name }}</p>",
    )  # fmt: skip
    page = leader_client.get(reverse("letters:template-edit", args=[old.pk])).content.decode()
    assert "HTML (eldre format)" in page
    assert 'data-insert="{{ recipient_name }}"' in page
    assert "&lt;p&gt;&lt;em&gt;Hei" in page  # in the textarea, as text


# --- The preview's caseworker --------------------------------------------------------


def test_the_preview_names_one_caseworker_with_their_own_email(
    leader_client, leader_user, municipality, tmp_path
):
    leader_user.last_name, leader_user.email, leader_user.title = (
        "Leder",
        "lise.leder@skien.kommune.no",
        "leder",
    )
    leader_user.save()
    colleague = factories.caseworker(
        municipality,
        first_name="Ola",
        last_name="Olsen",
        email="ola.olsen@skien.kommune.no",
        phone="35 00 00 01",
    )
    stranger = factories.caseworker(factories.MunicipalityFactory(), email="fremmed@annen.no")
    letter_templates.ensure_default_templates(municipality)
    template = letter_templates.current_template(municipality, "summons", "nb")
    url = reverse("letters:template-preview", args=[template.pk])

    text = pdf_text(leader_client.get(url).content, tmp_path)
    assert "Lise Leder" in text and "lise.leder@skien.kommune.no" in text
    assert "siri.saksbehandler" not in text and "Siri" not in text

    data = {"subject": SUMMONS.subjects["nb"], "body": SUMMONS.default_source("nb"), "format": "brevtekst"}
    text = pdf_text(leader_client.post(url, {**data, "caseworker": colleague.pk}).content, tmp_path)
    assert "Ola Olsen" in text and "ola.olsen@skien.kommune.no" in text and "35 00 00 01" in text
    assert "Lise Leder" not in text and "lise.leder" not in text
    # Someone from another office is not offered, and not used.
    text = pdf_text(leader_client.post(url, {**data, "caseworker": stranger.pk}).content, tmp_path)
    assert "Lise Leder" in text and "fremmed@annen.no" not in text
