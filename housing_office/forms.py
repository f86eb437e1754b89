from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Feil brukernavn eller passord. Husk at passordet skiller mellom store og små bokstaver."
        ),
        "inactive": _("Denne brukeren er deaktivert."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Brukernavn")
        self.fields["password"].label = _("Passord")
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class OneTimeTokenForm(forms.Form):
    """A form that writes one row, with the summons wizard's guard against
    double submits: a hidden one-time token, fresh on every unbound form,
    that the service stores under a unique constraint (see
    `tenants.services.create_once`). A resent form keeps its token, so it
    finds the row instead of making a second one.

    A submit without a (valid) token is still accepted, as before, just
    without the guard: a page opened before the token existed must not
    lose what the user wrote.
    """

    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())

    def clean_token(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(self.cleaned_data.get("token") or ""))
        except ValueError:
            return None
