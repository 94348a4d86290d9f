"""A tenant's contacts as seed.py makes them: who they are, when they signed up, which consents
they gave and later withdrew, and the segments a marketer keeps of them. Deterministic per tenant.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from tradewind.v1 import contacts_pb2 as contacts_pb

from seed_profiles import NAMES, ROMANISED, TenantProfile

EMAIL_GRANTS, EMAIL_WITHDRAWALS = 0.7, 0.10  # shares of contacts, and of those who granted
ADS_GRANTS, ADS_WITHDRAWALS = 0.5, 0.06
ANALYTICS_GRANTS = 0.85


@dataclass
class ContactPlan:
    external_id: str
    name: str
    email: str
    country: str
    language: str
    source: str
    signup: datetime
    weight: float  # how likely this customer is to buy again
    email_granted: bool
    email_withdrawn: Optional[datetime]
    ads_granted: bool
    ads_withdrawn: Optional[datetime]
    analytics_granted: bool
    # What the history's orders made of them, for the segments.
    orders: int = 0
    revenue: float = 0.0
    last_order: Optional[datetime] = None

    @property
    def anonymous_id(self) -> str:
        return f"web-{self.external_id}"

    def emailable(self, at: datetime) -> bool:
        return self.email_granted and self.signup <= at and (self.email_withdrawn is None or at < self.email_withdrawn)

    def message(self) -> contacts_pb.Contact:
        return contacts_pb.Contact(
            external_id=self.external_id,
            email=self.email,
            name=self.name,
            country=self.country,
            language=self.language,
            tags=["customer", self.source],
            attributes={"signup_source": self.source},
        )


def pick(rng: random.Random, weighted) -> object:
    """One of (value, weight) pairs, by weight."""
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


def plan_contacts(profile: TenantProfile, start: datetime, end: datetime) -> list:
    """The tenant's contacts, signed up in the half year before `start` or until a day before `end`."""
    rng = random.Random(f"{profile.slug}/contacts")
    plans = []
    for i in range(profile.contacts):
        market = pick(rng, [(m, m.share) for m in profile.markets])
        givens, families = NAMES[market.language]
        g, f = rng.randrange(len(givens)), rng.randrange(len(families))
        if market.language in ROMANISED:
            name = families[f] + givens[g]
            given, family = ROMANISED[market.language]
            local_part = f"{given[g]}.{family[f]}{i}"
        else:
            name = f"{givens[g]} {families[f]}"
            local_part = f"{givens[g]}.{families[f]}{i}".lower().replace(" ", "")
        local_part = unicodedata.normalize("NFKD", local_part).encode("ascii", "ignore").decode()
        signup = start + (end - timedelta(days=1) - start + timedelta(days=180)) * rng.random() - timedelta(days=180)
        email_granted, ads_granted = rng.random() < EMAIL_GRANTS, rng.random() < ADS_GRANTS
        plans.append(
            ContactPlan(
                external_id=f"{profile.slug}-{i + 1:05d}",
                name=name,
                email=f"{local_part}@{profile.email_domain}",
                country=market.country,
                language=market.language,
                source=pick(rng, [("checkout", 0.6), ("newsletter", 0.3), ("store", 0.1)]),
                signup=signup,
                weight=min(rng.paretovariate(1.5), 20.0),
                email_granted=email_granted,
                email_withdrawn=withdrawal(rng, email_granted, EMAIL_WITHDRAWALS, signup, start, end),
                ads_granted=ads_granted,
                ads_withdrawn=withdrawal(rng, ads_granted, ADS_WITHDRAWALS, signup, start, end),
                analytics_granted=rng.random() < ANALYTICS_GRANTS,
            )
        )
    return plans


def withdrawal(rng, granted: bool, share: float, signup: datetime, start: datetime, end: datetime):
    """When a grant is withdrawn (within start..end, a day after it at the earliest), if it is."""
    if not granted or rng.random() >= share:
        return None
    earliest = max(signup + timedelta(days=1), start)
    return earliest + (end - earliest) * rng.random()


def segments(contacts: list, end: datetime) -> list:
    """(name, description, purpose, member indexes) of the segments a marketer would keep."""
    buyers = sorted((i for i, c in enumerate(contacts) if c.orders), key=lambda i: -contacts[i].revenue)
    lapsed_before = end - timedelta(days=45)
    return [
        (
            "Newsletter subscribers",
            "Everyone who signed up for the newsletter",
            contacts_pb.CONSENT_PURPOSE_EMAIL_MARKETING,
            [i for i, c in enumerate(contacts) if c.email_granted],
        ),
        (
            "VIP customers",
            "Top 15 % of buyers by revenue in the last 90 days, for lookalike audiences",
            contacts_pb.CONSENT_PURPOSE_AD_PERSONALISATION,
            buyers[: max(1, len(buyers) * 15 // 100)],
        ),
        (
            "Win-back: no order for 45 days",
            "Buyers whose last order is more than 45 days old",
            contacts_pb.CONSENT_PURPOSE_EMAIL_MARKETING,
            [i for i in buyers if contacts[i].last_order < lapsed_before],
        ),
    ]
