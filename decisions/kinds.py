"""The kinds of individual decision (*enkeltvedtak*) the office makes.

One machinery, many kinds: the app that owns the case registers its kind
from its `AppConfig.ready()` (`allocation` from applications, `housing_help`
from this app), with a label, the default legal basis a draft starts from,
the default appeal body (fvl. § 28: the municipal klagenemnd for municipal
housing, the Statsforvalteren for help under the boligsosial lov) and an
`on_decided(decision)` callback. The callback lets the owning app react to a
decision without this app importing it (the application becomes granted or
refused); after a complaint changes a decision it is called again for the
new decision. `on_appeal_outcome(complaint)` is how the owner hears the
appeal body's outcome (fvl. § 34): a decision the appeal body changed or
quashed no longer stands, and the owner's case follows (an allocation
refusal reversed puts the application on the waiting list).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OnDecided = Callable[[Any], None]
OnAppealOutcome = Callable[[Any], None]


@dataclass(frozen=True)
class DecisionKind:
    code: str
    label: str
    default_legal_basis: str
    # Nynorsk form of the label, for nynorsk letters.
    label_nn: str = ""
    default_appeal_body: str = "Kommunens klagenemnd"
    default_two_person_rule: bool = True
    on_decided: OnDecided | None = None
    on_appeal_outcome: OnAppealOutcome | None = None
    # Whether a caseworker may draft this kind from the household's page.
    # A kind whose decision belongs to a case of the owning app (allocation
    # decides an application) is drafted from that app's pages, so that its
    # `on_decided` always finds the case.
    drafted_from_household: bool = False


KINDS: dict[str, DecisionKind] = {}


def register_decision_kind(
    code: str,
    *,
    label: str,
    default_legal_basis: str,
    on_decided: OnDecided | None = None,
    on_appeal_outcome: OnAppealOutcome | None = None,
    label_nn: str = "",
    default_appeal_body: str = "Kommunens klagenemnd",
    default_two_person_rule: bool = True,
    drafted_from_household: bool = False,
) -> DecisionKind:
    """Make `code` a kind of decision. Registering the same kind again is
    harmless; another kind under the same code is an error."""
    kind = DecisionKind(
        code=code,
        label=label,
        default_legal_basis=default_legal_basis,
        label_nn=label_nn or label,
        default_appeal_body=default_appeal_body,
        default_two_person_rule=default_two_person_rule,
        on_decided=on_decided,
        on_appeal_outcome=on_appeal_outcome,
        drafted_from_household=drafted_from_household,
    )
    if len(code) > 40:
        raise ValueError(f"Decision kind code {code!r} is longer than 40 characters")
    if KINDS.get(code, kind) != kind:
        raise ValueError(f"Decision kind {code!r} is already registered differently")
    KINDS[code] = kind
    return kind


def get_decision_kind(code: str) -> DecisionKind:
    try:
        return KINDS[code]
    except KeyError:
        raise LookupError(f"No decision kind {code!r} is registered") from None


def registered_decision_kinds() -> list[DecisionKind]:
    return list(KINDS.values())


def household_kinds() -> list[DecisionKind]:
    """The kinds a caseworker drafts from the household's page."""
    return [kind for kind in KINDS.values() if kind.drafted_from_household]


def kind_label(code: str) -> str:
    kind = KINDS.get(code)
    return kind.label if kind else code


# The kind this app owns: help to get or keep a home under the boligsosial
# lov § 6 (lov om kommunenes ansvar på det boligsosiale feltet, 2023); its
# decisions are appealed to the Statsforvalteren (DOMAIN.md §3).
HOUSING_HELP = "housing_help"


def register_own_kinds() -> None:
    register_decision_kind(
        HOUSING_HELP,
        label="Bistand etter boligsosial lov § 6",
        label_nn="Bistand etter bustadsosial lov § 6",
        default_legal_basis="Lov om kommunenes ansvar på det boligsosiale feltet (boligsosial lov) § 6",
        default_appeal_body="Statsforvalteren",
        drafted_from_household=True,
    )
