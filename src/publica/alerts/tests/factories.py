from __future__ import annotations

import factory

from publica.alerts.models import AlertSubscription, Topic, Ward
from publica.core import clock

#: Millbrook's town centre, where the demo wards meet.
CENTRE = (52.0312, -0.9876)
#: Metres in one degree of latitude (a move north of n metres is n / this degrees).
METRES_PER_DEGREE = 111_195.0


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + metres / METRES_PER_DEGREE, point[1]


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"ward-{n}")
    name = factory.Sequence(lambda n: f"Ward {n}")
    boundary = factory.LazyFunction(
        lambda: [[52.0, -1.0], [52.0, -0.95], [52.05, -0.95], [52.05, -1.0]]
    )


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A confirmed email subscription to road closures within 500 m of the town centre."""

    class Meta:
        model = AlertSubscription

    channel = "email"
    address = factory.Sequence(lambda n: f"resident{n}@example.org")
    topics = factory.LazyFunction(lambda: [Topic.ROAD_CLOSURE.value])
    latitude = CENTRE[0]
    longitude = CENTRE[1]
    radius_m = 500
    active = True
    created_at = factory.LazyFunction(clock.now)
    confirmed_at = factory.LazyFunction(clock.now)

    class Params:
        pending = factory.Trait(active=False, confirmed_at=None)
        stopped = factory.Trait(active=False, ended_at=factory.LazyFunction(clock.now))
        by_text = factory.Trait(
            channel="sms", address=factory.Sequence(lambda n: f"+447700{n:06d}")
        )
