"""Wards, residents' alert subscriptions and the alerts staff publish."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from publica.alerts import geo


class Topic(models.TextChoices):
    ROAD_CLOSURE = "road-closure", _("Road closures")
    FLOODING = "flooding", _("Flooding")
    BINS = "bins-and-recycling", _("Bins and recycling")
    PLANNING = "planning", _("Planning")
    EVENTS = "events", _("Events")
    OTHER = "other", _("Other news")


class AlertChannel(models.TextChoices):
    """How a subscriber hears of an alert (the outbox's channels a person can receive)."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class Ward(models.Model):
    """A named area of the council, as the polygon of its boundary."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    boundary = models.JSONField(
        help_text="Corners in order, each [latitude, longitude]; the last joins the first."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def polygon(self) -> geo.Polygon:
        return geo.Polygon(tuple((float(lat), float(lon)) for lat, lon in self.boundary))


class Place(models.Model):
    """An area given either as a ward or as a point and a radius, never both."""

    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    radius_m = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                name="%(class)s_ward_or_point",
                condition=(
                    models.Q(
                        ward__isnull=False,
                        latitude__isnull=True,
                        longitude__isnull=True,
                        radius_m__isnull=True,
                    )
                    | models.Q(
                        ward__isnull=True,
                        latitude__isnull=False,
                        longitude__isnull=False,
                        radius_m__isnull=False,
                    )
                ),
            )
        ]

    @property
    def area(self) -> geo.Area:
        if self.ward is not None:
            return self.ward.polygon
        assert self.latitude is not None and self.longitude is not None and self.radius_m
        return geo.Circle(self.latitude, self.longitude, self.radius_m)

    @property
    def area_text(self) -> str:
        """The area in words, for pages and messages."""
        if self.ward is not None:
            return str(_("%(ward)s ward") % {"ward": self.ward.name})
        return str(
            _("within %(radius)s metres of %(lat).5f, %(lon).5f")
            % {"radius": f"{self.radius_m:,}", "lat": self.latitude, "lon": self.longitude}
        )


class AlertSubscription(Place):
    """Someone who asked for alerts on some topics in an area, by email or text message.

    It becomes active once the address's owner follows the signed link sent to it, and stays
    active until they stop it. `user` is set when a signed-in person subscribed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_subscriptions",
    )
    channel = models.CharField(max_length=10, choices=AlertChannel.choices)
    address = models.CharField(
        max_length=320, help_text="Email address in lower case, or mobile number as E.164."
    )
    topics = models.JSONField(default=list, help_text="Topic values from Topic.")
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it was stopped.")

    class Meta(Place.Meta):
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["address"], name="alert_subscription_address"),
            models.Index(
                fields=["latitude", "longitude"],
                condition=models.Q(active=True),
                name="alert_subscription_point",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} alerts ({'active' if self.active else 'inactive'})"

    def get_topics_display(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(topic, topic)) for topic in self.topics]


class Alert(Place):
    """A message staff published to everyone subscribed to its topic in its area."""

    title = models.CharField(max_length=120)
    body = models.TextField(max_length=1000)
    topic = models.CharField(max_length=30, choices=Topic.choices)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()
    recipient_count = models.PositiveIntegerField(default=0)
    key = models.UUIDField(
        default=uuid.uuid4, unique=True, help_text="From the publish form: one alert per click."
    )

    class Meta(Place.Meta):
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title
