from django.contrib import admin

from housing_office.admin import MunicipalityScopedAdmin, ReadOnlyAdmin

from .models import ApplicationStatusChange, StartLoanApplication


@admin.register(StartLoanApplication)
class StartLoanApplicationAdmin(MunicipalityScopedAdmin):
    list_display = ("household", "received_on", "purpose", "amount_applied", "status", "loan_granted")
    list_filter = ("status", "purpose")
    list_select_related = ("household",)
    raw_id_fields = ("household", "decision_letter")
    readonly_fields = ("assessment",)


@admin.register(ApplicationStatusChange)
class ApplicationStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("application", "from_status", "to_status", "changed_by", "changed_at")
    list_select_related = ("application__household", "changed_by")
