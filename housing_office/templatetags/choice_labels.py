"""`{{ obj|choice_label:"field" }}`: a choice field's label, for list rows.

Django's `get_FOO_display()` rebuilds a dictionary of the field's choices on
every call, hashing each lazily translated label; in a list of 50 rows that
was a tenth of the household list's rendering. Here the labels are made once
per model, field and language."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.db.models import Model
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=256)
def _labels(model: type[Model], field_name: str, language: str | None) -> dict[Any, str]:
    field = model._meta.get_field(field_name)
    return {value: str(label) for value, label in field.flatchoices}


@register.filter
def choice_label(obj: Model, field_name: str) -> Any:
    value = getattr(obj, field_name)
    return _labels(type(obj), field_name, get_language()).get(value, value)
