"""The list templates' choice labels agree with Django's get_FOO_display."""

from __future__ import annotations

from housing_office.templatetags.choice_labels import choice_label
from tenants.models import Household, PathwayStage


def test_choice_label_is_the_display_of_every_choice_and_passes_unknown_values():
    for stage in PathwayStage:
        household = Household(pathway_stage=stage.value)
        assert choice_label(household, "pathway_stage") == household.get_pathway_stage_display()
    assert choice_label(Household(pathway_stage="gone"), "pathway_stage") == "gone"
