"""`manage.py seed_demo`: a realistic demo municipality and its users."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from demo.seed import (
    DEFAULT_HOUSEHOLDS,
    DEFAULT_MUNICIPALITY,
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    DEMO_URL,
    DemoError,
    DemoResult,
    seed_demo,
)
from demo.summons import RENDERED_DAYS
from dwellings.models import EndReason


class Command(BaseCommand):
    # Commands are loaded after the app registry, so plain gettext is safe;
    # argparse cannot format a lazy string.
    help = _(
        "Lager en demokommune med boliger, husstander og ti års leiehistorikk, og demobrukerne "
        "«saksbehandler» og «leder». Kjøres den igjen, legges ingenting til."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Numbers are read as text and checked by the demo module, so a typo
        # gets the same Norwegian message from the shell and from call_command.
        parser.add_argument(
            "--municipality",
            default=DEFAULT_MUNICIPALITY,
            help=_("Kommunenummer med fire siffer (standard %(default)s Skien)."),
        )
        parser.add_argument(
            "--households",
            default=str(DEFAULT_HOUSEHOLDS),
            help=_("Antall husstander (standard %(default)s)."),
        )
        parser.add_argument(
            "--seed",
            default=str(DEFAULT_SEED),
            help=_("Startverdi for tilfeldige data (standard %(default)s)."),
        )
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help=_("Passord for demobrukerne (standard %(default)s).")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = seed_demo(
                municipality=options["municipality"],
                households=options["households"],
                seed=options["seed"],
                password=options["password"],
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self._report(result, time.monotonic() - started)

    def _report(self, result: DemoResult, seconds: float) -> None:
        office = result.municipality
        write = self.stdout.write
        if result.created:
            c = result.counts
            write(self.style.SUCCESS(_("Demokommunen %(office)s er laget.") % {"office": office}))
            write(
                _(
                    "  Boliger: %(n)s (%(care)s omsorgsboliger, %(emergency)s akuttboliger), "
                    "%(let)s utleid i dag"
                )
                % {"n": c["dwellings"], "care": c["care"], "emergency": c["emergency"], "let": c["let"]}
            )
            write(
                _("  Husstander: %(n)s med %(persons)s personer, av dem %(children)s barn")
                % {"n": c["households"], "persons": c["persons"], "children": c["children"]}
            )
            write(
                _("  Leieforhold: %(n)s, av dem %(ended)s avsluttet de siste ti årene")
                % {"n": c["tenancies"], "ended": c["ended"]}
            )
            for reason in EndReason:
                write(f"    {reason.label}: {result.ended_by_reason.get(reason.value, 0)}")
            per_year = ", ".join(f"{year}: {n}" for year, n in result.bought_per_year.items())
            write(_("  Kjøpt egen bolig per år: %(list)s") % {"list": per_year})
            write(
                _(
                    "  Faseendringer: %(changes)s. Samtaler: %(meetings)s (%(planned)s planlagt). "
                    "Journalnotater: %(notes)s."
                )
                % {
                    "changes": c["stage_changes"],
                    "meetings": c["meetings"],
                    "planned": c["planned"],
                    "notes": c["notes"],
                }
            )
            write(
                _("  Innkallingsbrev: %(n)s, av dem %(rendered)s med PDF (de siste %(days)s dagene).")
                % {"n": c["summons_letters"], "rendered": c["rendered_letters"], "days": RENDERED_DAYS}
            )
            write(
                _("  Restansesaker: %(n)s. Søknader om startlån: %(loans)s.")
                % {"n": c.get("arrears_cases", 0), "loans": c["loans"]}
            )
            write(
                _(
                    "  Søknader om kommunal bolig: %(n)s (%(waiting)s på venteliste), "
                    "tilbud om bolig: %(offers)s."
                )
                % {
                    "n": c.get("applications", 0),
                    "waiting": c.get("waiting", 0),
                    "offers": c.get("offers", 0),
                }
            )
            write(
                _(
                    "  Oppfølgingsplaner: %(plans)s med %(contacts)s kontakter og %(actions)s tiltak; "
                    "oppfølginger etter kjøp: %(check_ins)s."
                )
                % {
                    "plans": c.get("followup_plans", 0),
                    "contacts": c.get("followup_contacts", 0),
                    "actions": c.get("followup_actions", 0),
                    "check_ins": c.get("post_move_check_ins", 0),
                }
            )
            write(
                _(
                    "  Boliger kjøpt de siste ti årene: %(acquired)s, solgt: %(sold)s "
                    "(%(to_tenants)s til leietakeren)."
                )
                % {"acquired": c["acquired"], "sold": c["sold"], "to_tenants": c.get("sold_to_tenants", 0)}
            )
        else:
            write(
                self.style.WARNING(
                    _(
                        "%(office)s har allerede husstander, så ingen demodata er lagt til. "
                        "Sørget bare for demobrukerne og passordet."
                    )
                    % {"office": office}
                )
            )
        for ensured in result.defaults_ensured:
            write(_("  Kjørte %(hook)s.") % {"hook": ensured})
        write(_("Ferdig på %(seconds).1f sekunder.") % {"seconds": seconds})
        write("")
        write(_("Logg inn på %(url)s med:") % {"url": DEMO_URL})
        for login in result.logins:
            write(
                _("  %(username)s / %(password)s  (%(role)s, %(name)s)")
                % {
                    "username": login.username,
                    "password": result.password,
                    "role": login.role,
                    "name": login.full_name,
                }
            )
