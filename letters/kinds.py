"""The kinds of letter, and what each needs from the one letter pipeline.

Every letter goes the same way: a versioned, checked template of its kind and
målform; a snapshot of what the letter says, taken when it is made
(`Letter.context`); rendering in chunks to tagged PDFs; the immutable archive
copy with its checksum; logged downloads. What differs between a summons, a
decision letter or an arrears notice is only what a `LetterKindSpec` holds:
the default subject and body per målform, the variables a template may use,
and the function that takes the snapshot. A new kind is a `LetterKind`
member, a spec registered from its app's `AppConfig.ready()`, and the default
bodies, in brevtekst (`letters.markup`), in `default_letters/<key>_<målform>.txt`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_LETTERS_DIR = Path(__file__).resolve().parent / "default_letters"

# Takes a municipality, a målform and `sparse` (True: every optional value
# empty), and returns a made-up snapshot for previews and template checks.
SampleContext = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class LetterKindSpec:
    # The `LetterKind` value stored on templates and letters.
    key: str
    # Default subject per målform ("nb", "nn"); the bodies are files in
    # default_letters/. A municipality gets these templates the first time
    # it needs one (`letter_templates.ensure_default_templates`).
    subjects: Mapping[str, str]
    # Every variable a template of this kind may use, with what it holds. The
    # template editor shows the list; a template using anything else is
    # refused when saved.
    variables: Mapping[str, str]
    # The name a leader writes each variable by in brevtekst: variable →
    # «mottakers navn». Shown beside the editor with the descriptions.
    field_names: Mapping[str, str]
    # Builds the snapshot a letter of this kind is rendered from; its keyword
    # arguments are the kind's own (a summons needs a meeting time, a
    # decision letter a decision).
    build_context: Callable[..., dict[str, Any]]
    sample_context: SampleContext
    # The start of the archived PDF's file name, e.g. "innkalling".
    file_stem: str = "brev"
    # Letters of this kind hold personal data covered by the duty of
    # confidentiality, so the letterhead carries «Unntatt offentlighet,
    # offl. § 13 jf. fvl. § 13». Off only for a kind that names nobody's
    # personal circumstances.
    exempt_from_public_access: bool = True

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.subjects)

    @property
    def fields(self) -> dict[str, str]:
        """Brevtekst field name → template variable."""
        return {name: variable for variable, name in self.field_names.items()}

    def default_source(self, language: str) -> str:
        """The shipped letter, in brevtekst (default_letters/<key>_<målform>.txt)."""
        return (DEFAULT_LETTERS_DIR / f"{self.key}_{language}.txt").read_text(encoding="utf-8")

    def default_body(self, language: str) -> str:
        """The shipped letter as a template (converted from its brevtekst)."""
        from .markup import to_template

        return to_template(self.default_source(language), self.fields)


KINDS: dict[str, LetterKindSpec] = {}


def register_kind(spec: LetterKindSpec) -> LetterKindSpec:
    """Make `spec` the kind `spec.key`. Registering the same spec again is
    harmless; another spec under the same key is an error."""
    if KINDS.get(spec.key, spec) != spec:
        raise ValueError(f"Letter kind {spec.key!r} is already registered differently")
    KINDS[spec.key] = spec
    return spec


def get_kind(key: str) -> LetterKindSpec:
    try:
        return KINDS[key]
    except KeyError:
        raise LookupError(f"No letter kind {key!r} is registered") from None


def registered_kinds() -> list[LetterKindSpec]:
    return list(KINDS.values())
