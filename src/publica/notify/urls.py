from django.urls import path

from publica.notify import views

app_name = "notify"

urlpatterns = [path("callbacks/gov-uk-notify", views.notify_callback, name="notify-callback")]
