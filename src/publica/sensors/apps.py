from django.apps import AppConfig


class SensorsConfig(AppConfig):
    name = "publica.sensors"
    verbose_name = "Sensors (OGC SensorThings API)"
