app_name = "open311"

urlpatterns: list = []  # the GeoReport v2 endpoints
