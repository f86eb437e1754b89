"""Letter templates: the shipped defaults, the newest version, and saving a
checked new version.

A template is versioned: saving a change makes a new version, and a letter
keeps pointing at the version it was made from, so its archive copy can be
explained later.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, QuerySet, Subquery

from housing_office.models import Municipality

from .engine import check_source
from .kinds import LetterKindSpec, get_kind, registered_kinds
from .markup import NotExpressible, subject_to_markup, subject_to_template, to_markup, to_template
from .models import LetterKind, LetterTemplate, TemplateFormat


def default_template_body(kind: str, language: str) -> str:
    return get_kind(kind).default_body(language)


def ensure_default_templates(municipality: Municipality) -> list[LetterTemplate]:
    """Give `municipality` the shipped templates for every registered kind
    and målform it has none of. Idempotent: a municipality that has a
    template (of any version) keeps it. Returns the templates created.

    One query finds what the municipality has, however many kinds the apps
    register, so the pages that call it stay at a constant query count."""
    have = set(
        LetterTemplate.all_objects.filter(municipality=municipality)
        .values_list("kind", "language")
        .distinct()
    )
    created = []
    for spec in registered_kinds():
        for language in spec.subjects:
            if (spec.key, language) not in have:
                created += _create_default(spec, municipality, language)
    return created


def _create_default(spec: LetterKindSpec, municipality: Municipality, language: str) -> list[LetterTemplate]:
    template, was_created = LetterTemplate.all_objects.get_or_create(
        municipality=municipality,
        kind=spec.key,
        language=language,
        version=1,
        defaults={
            "subject": spec.subjects[language],
            "body": spec.default_body(language),
            "format": TemplateFormat.BREVTEKST,
            "source": spec.default_source(language),
        },
    )
    return [template] if was_created else []


def current_template(municipality: Municipality | int, kind: str, language: str) -> LetterTemplate:
    """The newest version of the template; raises LetterTemplate.DoesNotExist."""
    municipality_id = getattr(municipality, "pk", municipality)
    template = (
        LetterTemplate.all_objects.filter(municipality_id=municipality_id, kind=kind, language=language)
        .order_by("-version")
        .first()
    )
    if template is None:
        raise LetterTemplate.DoesNotExist(f"No {kind}/{language} template for municipality {municipality_id}")
    return template


def current_templates(municipality: Municipality | int) -> QuerySet[LetterTemplate]:
    """The newest version of each of the municipality's templates, each with
    `versions`, how many it has. One query: neither the number of letter
    kinds the apps register nor the number of versions saved adds one, and
    older versions' bodies are never loaded."""
    municipality_id = getattr(municipality, "pk", municipality)
    same = {
        "municipality_id": municipality_id,
        "kind": OuterRef("kind"),
        "language": OuterRef("language"),
    }
    newer = LetterTemplate.all_objects.filter(**same, version__gt=OuterRef("version"))
    versions = (
        LetterTemplate.all_objects.filter(**same)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        LetterTemplate.all_objects.filter(municipality_id=municipality_id)
        .filter(~Exists(newer))
        .annotate(versions=Subquery(versions, output_field=IntegerField()))
        .select_related("created_by")
        .order_by("kind", "language")
    )


def to_templates(kind: str, subject: str, body: str, text_format: str) -> tuple[str, str]:
    """The subject and body templates for what the leader wrote: brevtekst is
    converted (`letters.markup`), HTML is taken as it is."""
    if text_format == TemplateFormat.BREVTEKST:
        fields = get_kind(kind).fields
        return subject_to_template(subject, fields), to_template(body, fields)
    return subject, body


def editable_text(template: LetterTemplate) -> tuple[str, str, str]:
    """(subject, body, format) to show in the editor: the brevtekst a version
    was written in; an HTML version in brevtekst when it says nothing
    brevtekst cannot, else as the HTML it is."""
    fields = get_kind(template.kind).fields
    if template.format == TemplateFormat.BREVTEKST and template.source:
        try:
            subject = subject_to_markup(template.subject, fields)
        except NotExpressible:
            pass
        else:
            return subject, template.source, TemplateFormat.BREVTEKST
    try:
        return (
            subject_to_markup(template.subject, fields),
            to_markup(template.body, fields),
            TemplateFormat.BREVTEKST,
        )
    except NotExpressible:
        return template.subject, template.body, TemplateFormat.HTML


def subject_as_written(template: LetterTemplate) -> str:
    """The subject as the leader writes it: «boligen [din]», not the
    template underneath; a subject brevtekst cannot say stays as it is."""
    try:
        return subject_to_markup(template.subject, get_kind(template.kind).fields)
    except (NotExpressible, LookupError):
        return template.subject


@transaction.atomic
def save_template_version(
    *,
    municipality: Municipality,
    kind: str,
    language: str,
    subject: str,
    body: str,
    by: Any,
    text_format: str = TemplateFormat.HTML,
) -> LetterTemplate:
    """Check the template and store it as the next version. The old versions
    stay as they were: letters made from them keep pointing at them.

    `text_format` says what `subject` and `body` are: brevtekst (stored in
    `source`, converted into `subject`/`body`) or HTML with template tags."""
    subject_template, body_template = to_templates(kind, subject, body, text_format)
    check_template(subject_template, body_template, municipality=municipality, language=language, kind=kind)
    # Lock the newest version so that two leaders saving at once get
    # versions n+1 and n+2 rather than a unique-constraint error.
    list(
        LetterTemplate.all_objects.select_for_update()
        .filter(municipality=municipality, kind=kind, language=language)
        .order_by("-version")[:1]
    )
    latest = LetterTemplate.all_objects.filter(
        municipality=municipality, kind=kind, language=language
    ).aggregate(v=Max("version"))["v"]
    return LetterTemplate.all_objects.create(
        municipality=municipality,
        kind=kind,
        language=language,
        version=(latest or 0) + 1,
        subject=subject_template.strip(),
        body=body_template,
        format=text_format,
        source=body if text_format == TemplateFormat.BREVTEKST else "",
        created_by=by,
    )


def check_template(
    subject: str,
    body: str,
    *,
    municipality: Municipality,
    language: str,
    kind: str = LetterKind.SUMMONS,
    text_format: str = TemplateFormat.HTML,
) -> None:
    """Raise `TemplateRefused` unless the template makes a letter of `kind`:
    valid template syntax, only the kind's documented variables, only
    allowed tags, and well-formed HTML without scripts or remote content.
    Brevtekst is converted first; its own errors name the line."""
    spec = get_kind(kind)
    subject, body = to_templates(kind, subject, body, text_format)
    check_source(
        subject,
        body,
        variables=spec.variables,
        samples=(
            spec.sample_context(municipality, language),
            spec.sample_context(municipality, language, sparse=True),
        ),
    )
