from django.contrib import admin

from housing_office.admin import MunicipalityScopedAdmin, ReadOnlyAdmin

from .models import ApplicationStatusChange, LivingCostRate, LoanParameters, StartLoanApplication


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


class LivingCostRateInline(admin.StackedInline):  # a label on every box
    model = LivingCostRate
    extra = 0


@admin.register(LoanParameters)
class LoanParametersAdmin(MunicipalityScopedAdmin):
    list_display = ("year", "husbanken_rate", "municipal_markup", "policy_rate", "updated_by")
    list_select_related = ("updated_by",)
    readonly_fields = ("updated_by",)
    inlines = [LivingCostRateInline]
