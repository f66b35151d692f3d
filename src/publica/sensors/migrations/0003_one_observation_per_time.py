"""One Observation per Datastream, feature and phenomenonTime; the Datastreams' time spans.

Readings stored twice before this (a resent MQTT message) are removed, keeping the first, and
each Datastream's phenomenonTime and resultTime become the span of its Observations, as the
SensorThings API defines them and as writes keep them from now on.
"""

from django.db import migrations, models
from django.db.models import Max, Min


def remove_duplicates(apps, schema_editor):  # type: ignore[no-untyped-def]
    Observation = apps.get_model("sensors", "Observation")
    keys = ("datastream_id", "phenomenon_time", "feature_of_interest_id")
    first = Observation.objects.values(*keys).annotate(keep=Min("pk"), n=models.Count("pk"))
    for group in first.filter(n__gt=1).iterator():
        twins = Observation.objects.filter(**{key: group[key] for key in keys})
        twins.exclude(pk=group["keep"]).delete()


def span_datastreams(apps, schema_editor):  # type: ignore[no-untyped-def]
    Datastream = apps.get_model("sensors", "Datastream")
    Observation = apps.get_model("sensors", "Observation")
    for stream in Datastream.objects.all().iterator():
        found = Observation.objects.filter(datastream_id=stream.pk).aggregate(
            start=Min("phenomenon_time"),
            end=Max("phenomenon_time"),
            end_interval=Max("phenomenon_time_end"),
            results_start=Min("result_time"),
            results_end=Max("result_time"),
        )
        if found["start"] is None:
            continue
        ends = [time for time in (found["end"], found["end_interval"]) if time is not None]
        stream.phenomenon_time_start, stream.phenomenon_time_end = found["start"], max(ends)
        stream.result_time_start = found["results_start"]
        stream.result_time_end = found["results_end"]
        stream.save(update_fields=["phenomenon_time_start", "phenomenon_time_end",
                                   "result_time_start", "result_time_end"])  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("sensors", "0002_sensorrule_alarm_and_more"),
    ]

    operations = [
        migrations.RunPython(remove_duplicates, migrations.RunPython.noop),
        migrations.RunPython(span_datastreams, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="observation",
            name="sensors_obs_datastr_2eea73_idx",
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=models.UniqueConstraint(
                fields=("datastream", "phenomenon_time", "feature_of_interest"),
                name="one_observation_per_feature_and_time",
            ),
        ),
    ]
