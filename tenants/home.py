"""The start page: the caseworker's own caseload, and the office's figures
that every app contributes (housing_office.start_page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from housing_office.start_page import office_figures

from .caseload import caseload_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "home.html",
        {"caseload": caseload_for(request.user, today), "office_figures": office_figures(today)},
    )


# Included at the site's root, without a namespace: the page is "home".
urlpatterns = [path("", home, name="home")]
