from django import forms
from django.contrib import admin

from publica.alerts import rules
from publica.alerts.models import Ward


class WardForm(forms.ModelForm):
    class Meta:
        model = Ward
        fields = ["name", "slug", "boundary"]

    def clean_boundary(self) -> list[list[float]]:
        try:
            return rules.boundary(self.cleaned_data["boundary"])
        except rules.FieldProblem as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    form = WardForm
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
