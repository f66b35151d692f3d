from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "publica.assistant"
    verbose_name = "Assistant"
