"""The eight SensorThings 1.1 entity types; Observation is kept lean for bulk ingestion."""

from __future__ import annotations

from django.db import models


class Location(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField()
    encoding_type = models.CharField(max_length=100, default="application/geo+json")
    location = models.JSONField(help_text="A GeoJSON geometry or feature.")
    properties = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class Thing(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField()
    properties = models.JSONField(null=True, blank=True)
    locations = models.ManyToManyField(Location, related_name="things", blank=True)

    def __str__(self) -> str:
        return self.name


class HistoricalLocation(models.Model):
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="historical_locations")
    time = models.DateTimeField()
    locations = models.ManyToManyField(Location, related_name="historical_locations")

    class Meta:
        indexes = [models.Index(fields=["thing", "time"])]

    def __str__(self) -> str:
        return f"{self.thing_id} at {self.time:%Y-%m-%d %H:%M}"


class Sensor(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField()
    encoding_type = models.CharField(max_length=100)
    metadata = models.JSONField(help_text="Usually a URL or a SensorML document.")
    properties = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class ObservedProperty(models.Model):
    name = models.CharField(max_length=200)
    definition = models.CharField(max_length=500)
    description = models.TextField()
    properties = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "observed properties"

    def __str__(self) -> str:
        return self.name


class Datastream(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField()
    observation_type = models.CharField(max_length=200)
    unit_of_measurement = models.JSONField()
    observed_area = models.JSONField(null=True, blank=True)
    phenomenon_time_start = models.DateTimeField(null=True, blank=True)
    phenomenon_time_end = models.DateTimeField(null=True, blank=True)
    result_time_start = models.DateTimeField(null=True, blank=True)
    result_time_end = models.DateTimeField(null=True, blank=True)
    properties = models.JSONField(null=True, blank=True)
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="datastreams")
    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="datastreams")
    observed_property = models.ForeignKey(
        ObservedProperty, on_delete=models.CASCADE, related_name="datastreams"
    )
    public = models.BooleanField(
        default=False, help_text="Its readings are published as open data (sensor-readings)."
    )

    def __str__(self) -> str:
        return self.name


class FeatureOfInterest(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField()
    encoding_type = models.CharField(max_length=100, default="application/geo+json")
    feature = models.JSONField(help_text="A GeoJSON geometry or feature.")
    properties = models.JSONField(null=True, blank=True)
    # Set when Publica made this feature from a Thing's Location (the spec's default FoI),
    # so later observations of that Thing reuse it.
    from_location = models.OneToOneField(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "features of interest"

    def __str__(self) -> str:
        return self.name


class Observation(models.Model):
    """One reading. A numeric result is kept in `value` (indexable, cheap); any other result
    (text, boolean, object) in `result`, with `value` null."""

    datastream = models.ForeignKey(
        Datastream, on_delete=models.CASCADE, related_name="observations"
    )
    feature_of_interest = models.ForeignKey(
        FeatureOfInterest, on_delete=models.CASCADE, related_name="observations"
    )
    phenomenon_time = models.DateTimeField()
    phenomenon_time_end = models.DateTimeField(null=True, blank=True)
    result_time = models.DateTimeField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    result_quality = models.JSONField(null=True, blank=True)
    valid_time_start = models.DateTimeField(null=True, blank=True)
    valid_time_end = models.DateTimeField(null=True, blank=True)
    parameters = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            # One reading per feature and moment: a resent reading is a duplicate, not a second
            # row. The index also serves every query by Datastream in time order.
            models.UniqueConstraint(
                fields=["datastream", "phenomenon_time", "feature_of_interest"],
                name="one_observation_per_feature_and_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.datastream_id} at {self.phenomenon_time.isoformat()}"


# ---------------------------------------------------------------------------- alarm rules


class SensorRule(models.Model):
    """A rule over one Datastream's readings, or over every Datastream of an ObservedProperty;
    when it fires, Publica opens a maintenance case in the service named by `service_slug`.
    The decision itself is `publica.sensors.rules`; acting on it is `publica.sensors.alarms`."""

    class Kind(models.TextChoices):
        THRESHOLD = "threshold"
        RATE_OF_CHANGE = "rate_of_change", "Rate of change"
        ABSENCE = "absence"
        ZSCORE = "zscore", "Anomaly (z-score)"

    name = models.SlugField(max_length=100, unique=True, help_text="Lower-case words with -.")
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parameters = models.JSONField(
        default=dict,
        help_text=(
            'threshold: {"op": ">=", "limit": 85}; rate_of_change: {"op": ">", "limit": 10, '
            '"window_seconds": 3600}; absence: {"seconds": 7200}; zscore: {"k": 3, '
            '"window": 30, "min_count": 10}'
        ),
    )
    when = models.TextField(
        blank=True,
        help_text="Optional CEL condition that must also hold, e.g. value > previous.",
    )
    datastream = models.ForeignKey(
        Datastream, on_delete=models.CASCADE, null=True, blank=True, related_name="rules"
    )
    observed_property = models.ForeignKey(
        ObservedProperty, on_delete=models.CASCADE, null=True, blank=True, related_name="rules"
    )
    service_slug = models.SlugField(
        max_length=100, help_text="The service whose cases this rule opens."
    )
    auto_resolve = models.BooleanField(
        default=False,
        help_text="Resolve the case when readings are normal again, if its workflow lets "
        "automation do so.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(datastream__isnull=False, observed_property__isnull=True)
                    | models.Q(datastream__isnull=True, observed_property__isnull=False)
                ),
                name="sensor_rule_on_a_datastream_or_an_observed_property",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Alarm(models.Model):
    """The state of one rule on one Datastream, and the case it opened. One row per pair:
    it moves between firing and normal, and points at the newest case."""

    class State(models.TextChoices):
        FIRING = "firing"
        NORMAL = "normal"

    rule = models.ForeignKey(SensorRule, on_delete=models.CASCADE, related_name="alarms")
    datastream = models.ForeignKey(Datastream, on_delete=models.CASCADE, related_name="alarms")
    state = models.CharField(max_length=10, choices=State.choices, default=State.NORMAL)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_fired_at = models.DateTimeField(null=True, blank=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    last_reason = models.CharField(max_length=300, blank=True)
    firings = models.PositiveIntegerField(default=0, help_text="Firing readings, in all.")
    unnoted_firings = models.PositiveIntegerField(
        default=0, help_text="Firing readings not yet summed up in a note on the case."
    )
    last_noted_at = models.DateTimeField(null=True, blank=True)
    problem = models.CharField(
        max_length=500, blank=True, help_text="Why the last attempt to act on the case failed."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "datastream"], name="one_alarm_per_rule_and_datastream"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} on {self.datastream_id}: {self.state}"
