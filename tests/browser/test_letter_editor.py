"""The letter template editor in a browser: the field buttons insert at the
cursor (our own script, under the content security policy), and the page has
no serious accessibility violations, with and without an error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from letters import letter_templates

from .. import factories
from .test_accessibility import logged_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_fields_are_inserted_at_the_cursor_and_the_page_is_accessible(page, live_server):
    leader = factories.leader(username="leder", first_name="Lise")
    letter_templates.ensure_default_templates(leader.municipality)
    template = letter_templates.current_template(leader.municipality, "summons", "nb")
    logged_in(page, live_server, leader)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(reverse("letters:template-edit", args=[template.pk]))
    assert serious_violations(page) == []
    # The header's 'Logg ut' button under the pointer, measured at once: its
    # hover colours have full contrast and change without a fade, so no
    # half-way colour can be caught (axe once measured it white on white).
    page.get_by_role("button", name="Logg ut").hover()
    assert serious_violations(page) == []
    page.mouse.move(0, 0)
    assert serious_violations(page) == []

    body = page.locator("#id_body")
    body.fill("Hei, !")
    body.evaluate("el => el.setSelectionRange(5, 5)")
    page.get_by_role("button", name="Sett inn [mottakers navn]").click()
    expect(body).to_have_value("Hei, [mottakers navn]!")
    expect(body).to_be_focused()
    expect(page.locator("#insert-status")).to_have_text("Satt inn [mottakers navn].")

    body.fill("Hei!\n\nVi møtes her:\n[møtested]\n")
    page.get_by_role("button", name="Lagre som versjon 2").click()
    expect(page.get_by_role("alert")).to_contain_text("Linje 4: feltet [møtested] finnes ikke.")
    assert serious_violations(page) == []
    assert not [e for e in errors if "Content Security Policy" in e or "letter-editor" in e], errors
