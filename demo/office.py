"""The demo municipality's office and its staff: three caseworkers and a
leader who log in with the demo password."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from housing_office.models import Municipality, User
from housing_office.roles import CASEWORKER, LEADER
from housing_office.text import fold

from .plan import Staff
from .profiles import Profile


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    full_name: str


def ensure_municipality(profile: Profile) -> Municipality:
    """The municipality with the office's contact details filled in."""
    office, _created = Municipality.objects.get_or_create(
        number=profile.number, defaults={"name": profile.name}
    )
    # Fill what is blank, never overwrite what someone has set.
    wanted = {
        "office_name": "Boligkontoret",
        "address": profile.address,
        "postal_code": profile.postal_code,
        "postal_place": profile.postal_place,
        "visiting_address": f"{profile.visiting_address}, {profile.postal_place.title()}",
        "phone": profile.phone,
        "email": profile.email,
        "website": profile.website,
    }
    changed = [name for name, value in wanted.items() if not getattr(office, name)]
    for name in changed:
        setattr(office, name, wanted[name])
    if changed:
        office.save(update_fields=changed)
    return office


@dataclass(frozen=True)
class _StaffSpec:
    username: str
    group: str
    first_name: str
    last_name: str
    title: str


STAFF = (
    _StaffSpec("saksbehandler", CASEWORKER, "Silje", "Haugen", "Rådgiver, boveileder"),
    _StaffSpec("saksbehandler2", CASEWORKER, "Amir", "Rahimi", "Rådgiver, startlån"),
    _StaffSpec("saksbehandler3", CASEWORKER, "Marte", "Sæther", "Boveileder"),
    _StaffSpec("leder", LEADER, "Tor Erik", "Ødegaard", "Leder, Boligkontoret"),
)


def _demo_username(base: str, office: Municipality) -> str:
    """`base`, unless another municipality's demo already holds that name."""
    taken = User.objects.filter(username=base).first()
    if taken is None or (taken.municipality_id in (None, office.pk) and not taken.is_superuser):
        return base
    return f"{base}-{office.number}"


def ensure_users(office: Municipality, profile: Profile, password: str) -> tuple[Staff, list[DemoLogin]]:
    """The demo caseworkers and leader, active, in their groups, with `password`."""
    # One hash for all demo users: they share the password by design, and
    # each hash costs a noticeable fraction of a second.
    hashed = make_password(password)
    groups = {g.name: g for g in Group.objects.filter(name__in=[CASEWORKER, LEADER])}
    users: list[User] = []
    logins: list[DemoLogin] = []
    for i, spec in enumerate(STAFF):
        username = _demo_username(spec.username, office)
        user, _created = User.objects.get_or_create(username=username)
        for name, value in (
            ("first_name", spec.first_name),
            ("last_name", spec.last_name),
            ("title", spec.title),
            ("phone", f"{profile.phone[:6]}{41 + i:02d} {12 + 11 * i:02d}"),
            ("email", f"{fold(spec.first_name).replace(' ', '.')}.{fold(spec.last_name)}@{profile.domain}"),
        ):
            if not getattr(user, name):
                setattr(user, name, value)
        user.municipality = office
        user.is_active = True
        if spec.group == LEADER:
            user.is_staff = True
        user.password = hashed
        user.save()
        user.groups.add(groups[spec.group])
        users.append(user)
        role = _("leder") if spec.group == LEADER else _("saksbehandler")
        logins.append(DemoLogin(username, str(role), user.get_full_name()))
    return Staff(caseworkers=users[:3], leader=users[3]), logins
