"""The back office's procurement pages, at /staff/procurement/."""

from django.urls import path

from publica.procurement import staff_views

app_name = "procurement_staff"

urlpatterns = [
    path("", staff_views.process_list, name="list"),
    path("new/", staff_views.tender_new, name="tender-new"),
    path("<str:ocid>/award/", staff_views.award_new, name="award-new"),
    path("<str:ocid>/contract/", staff_views.contract_new, name="contract-new"),
]
