"""Illustrative demo data. Deterministic for a given scale and seed.

Later capabilities add their own data by registering a contributor:

    @demo_contributor(order=30)
    def questionnaires(ctx: DemoContext) -> None: ...
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from infobase.accounts.models import Role, User
from infobase.demo.models import DemoDataset
from infobase.reference.models import Organization, OrganizationKind, State, StateContact

SCALES = ("small", "world")

# The demo logins, printed by ``make demo``. Illustrative accounts only.
DEMO_PASSWORD = "infobase-demo"  # noqa: S105 (a documented demo password, not a secret)


@dataclass
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    state_iso3: str = ""
    organization_code: str = ""
    language: str = "en"
    is_wg_chair: bool = False
    is_bureau_member: bool = False


DEMO_USERS = [
    DemoUser("secretariat", Role.SECRETARIAT, "Demo", "Secretariat officer"),
    DemoUser("focal.egypt", Role.FOCAL_POINT, "Demo", "Focal point (Egypt)", "EGY", language="ar"),
    DemoUser(
        "focal.senegal", Role.FOCAL_POINT, "Demo", "Focal point (Senegal)", "SEN", language="fr"
    ),
    DemoUser(
        "delegate.mexico",
        Role.WG_MEMBER,
        "Demo",
        "Delegate (Mexico), chair",
        "MEX",
        language="es",
        is_wg_chair=True,
        is_bureau_member=True,
    ),
    DemoUser("donor", Role.DONOR, "Demo", "Donor officer", organization_code="demo-donor-fund"),
]


@dataclass
class DemoContext:
    scale: str
    seed: int
    rng: random.Random
    # Print-quality files (PDF, Word) of what the demo publishes: slow to render, so only the
    # demo-data command asks for them, not the tests.
    documents: bool = False
    # The share of the world scale's bulk volumes (requests, activities, pledges, projects) to
    # write: 1 is the full world; tests turn it down. The small scale ignores it.
    size: float = 1.0
    users: dict[str, User] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    def scaled(self, n: int) -> int:
        """``n`` world-scale rows at this context's size (at least one)."""
        return max(1, round(n * self.size))


Contributor = Callable[[DemoContext], None]
_contributors: list[tuple[int, str, Contributor]] = []


def demo_contributor(*, order: int) -> Callable[[Contributor], Contributor]:
    def register(func: Contributor) -> Contributor:
        _contributors.append((order, func.__name__, func))
        return func

    return register


@demo_contributor(order=10)
def organizations(ctx: DemoContext) -> None:
    _org, created = Organization.objects.get_or_create(
        code="demo-donor-fund",
        defaults={
            "acronym": "DDF",
            "name_en": "Demonstration Donor Fund (illustrative)",
            "name_fr": "Fonds donateur de démonstration (fictif)",
            "name_ar": "صندوق المانحين التجريبي (توضيحي)",
            "kind": OrganizationKind.FUND,
            "is_demo": True,
        },
    )
    ctx.count("organizations", int(created))


@demo_contributor(order=20)
def users(ctx: DemoContext) -> None:
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first() or User(username=spec.username)
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.role = spec.role
        user.email = f"{spec.username}@demo.invalid"
        user.language = spec.language
        user.state = State.objects.get(iso3=spec.state_iso3) if spec.state_iso3 else None
        user.organization = (
            Organization.objects.get(code=spec.organization_code)
            if spec.organization_code
            else None
        )
        user.is_wg_chair, user.is_bureau_member = spec.is_wg_chair, spec.is_bureau_member
        user.is_staff = spec.role == Role.SECRETARIAT
        user.is_demo = True
        user.set_password(DEMO_PASSWORD)
        user._change_reason = "demo-data"  # type: ignore[attr-defined]
        user.save()
        ctx.users[spec.username] = user
        ctx.count("users")


@demo_contributor(order=25)
def contacts(ctx: DemoContext) -> None:
    """One illustrative national contact per State (small: the demo States; world: all)."""
    if ctx.scale == "world":
        states = list(State.objects.order_by("iso3"))
    else:
        states = list(State.objects.filter(iso3__in=["EGY", "SEN", "MEX", "FRA", "NGA"]))
    languages = {"EGY": "ar", "SEN": "fr", "MEX": "es", "FRA": "fr"}
    for state in states:
        n = ctx.rng.randint(100, 999)
        _contact, created = StateContact.objects.get_or_create(
            state=state,
            email=f"contact.{state.iso3.lower()}@demo.invalid",
            defaults={
                "name": f"Illustrative contact {state.iso3}-{n}",
                "institution": "Ministry of Justice (illustrative)",
                "language": languages.get(state.iso3, "en"),
                "is_demo": True,
            },
        )
        ctx.count("contacts", int(created))


def generate(
    *, scale: str = "small", seed: int = 1, documents: bool = False, size: float = 1.0
) -> DemoContext:
    """Create the demo data set; running it again with the same arguments changes nothing new.

    ``size`` (world scale only): the share of the world's bulk volumes to write, in (0, 1].
    """
    if scale not in SCALES:
        raise ValueError(scale)
    if not 0 < size <= 1:
        raise ValueError(size)
    if not State.objects.exists():
        raise RuntimeError("Load the reference data first (infobase load-reference).")
    ctx = DemoContext(
        scale=scale, seed=seed, rng=random.Random(seed), documents=documents, size=size
    )
    with transaction.atomic():
        for _order, _name, contributor in sorted(_contributors, key=lambda c: (c[0], c[1])):
            contributor(ctx)
        DemoDataset.objects.get_or_create(scale=scale, seed=seed)
    return ctx


def demo_logins() -> list[dict[str, Any]]:
    return [
        {"username": u.username, "password": DEMO_PASSWORD, "role": u.role, "state": u.state_iso3}
        for u in DEMO_USERS
    ]
