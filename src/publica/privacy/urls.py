from django.urls import path

from publica.privacy import views

app_name = "privacy"

urlpatterns = [
    path("account/privacy/", views.privacy, name="privacy"),
    path("account/privacy/your-data.zip", views.download, name="download"),
    path("account/privacy/erase/", views.erase, name="erase"),
]
