"""Start loans, round 2: existing debt item by item, common debt and costs,
electricity, tax-free income lines, fixed rates, the living-cost basis named
and dated, no fee by default."""

import datetime
from decimal import Decimal

import django.core.validators
from django.db import migrations, models


def no_fee_on_unreviewed_defaults(apps, schema_editor):
    """Rows still on the published defaults (never saved by a leader) lose the
    30 kr fee: Husbanken allows a fee only for documented costs beyond the
    markup (https://www.husbanken.no/kommune/startlaan/veileder/
    renter-og-avdragsvilkar/fast-eller-flytende-rente/gebyr/). A leader's own
    figures are left alone."""
    LoanParameters = apps.get_model("startloan", "LoanParameters")
    LoanParameters.objects.filter(updated_by__isnull=True, term_fee=30).update(term_fee=0)


class Migration(migrations.Migration):
    dependencies = [
        ("startloan", "0004_status_change_registration_row"),
    ]

    operations = [
        migrations.AddField(
            model_name="loanparameters",
            name="electricity_over_90",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("2300"),
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="strøm og oppvarming, bolig over 90 m² (kr/mnd)",
            ),
        ),
        migrations.AddField(
            model_name="loanparameters",
            name="electricity_up_to_50",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("1200"),
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="strøm og oppvarming, bolig til og med 50 m² (kr/mnd)",
            ),
        ),
        migrations.AddField(
            model_name="loanparameters",
            name="electricity_up_to_90",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("1700"),
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="strøm og oppvarming, bolig 51–90 m² (kr/mnd)",
            ),
        ),
        migrations.AddField(
            model_name="loanparameters",
            name="fee_documented",
            field=models.BooleanField(
                default=False,
                help_text="Kreves for å ta termingebyr i tillegg til rentepåslaget.",
                verbose_name="kostnadene ut over rentepåslaget er dokumentert",
            ),
        ),
        migrations.AddField(
            model_name="loanparameters",
            name="fixed_rate_10",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                max_digits=6,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="Husbankens fastrente 10 år (%)",
            ),
        ),
        migrations.AddField(
            model_name="loanparameters",
            name="fixed_rate_20",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                max_digits=6,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="Husbankens fastrente 20 år (%)",
            ),
        ),
        migrations.AddField(
            model_name="loanparameters",
            name="fixed_rate_3",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                max_digits=6,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="Husbankens fastrente 3 år (%)",
            ),
        ),
        migrations.AddField(
            model_name="loanparameters",
            name="fixed_rate_5",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                max_digits=6,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="Husbankens fastrente 5 år (%)",
            ),
        ),
        migrations.AddField(
            model_name="loanparameters",
            name="guideline_date",
            field=models.DateField(
                default=datetime.date(2024, 1, 1), verbose_name="sosialhjelpssatsene (gulvet) gjelder fra"
            ),
        ),
        migrations.AddField(
            model_name="loanparameters",
            name="living_cost_basis",
            field=models.CharField(
                choices=[
                    ("bailiff", "Namsmannens livsoppholdssatser"),
                    ("guideline", "Statens veiledende satser for økonomisk stønad"),
                    ("sifo", "SIFOs referansebudsjett"),
                ],
                default="bailiff",
                max_length=10,
                verbose_name="grunnlag for standardbudsjettet",
            ),
        ),
        migrations.AddField(
            model_name="loanparameters",
            name="living_cost_basis_date",
            field=models.DateField(
                default=datetime.date(2023, 7, 1), verbose_name="standardbudsjettets satser gjelder fra"
            ),
        ),
        migrations.AddField(
            model_name="startloanapplication",
            name="common_debt",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("0"),
                help_text="Borettslag: boligens andel av fellesgjelden.",
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="andel fellesgjeld (kr)",
            ),
        ),
        migrations.AddField(
            model_name="startloanapplication",
            name="debts",
            field=models.JSONField(blank=True, default=list, verbose_name="gjeldsposter"),
        ),
        migrations.AddField(
            model_name="startloanapplication",
            name="dwelling_area",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[django.core.validators.MaxValueValidator(2000)],
                verbose_name="boligens areal (m²)",
            ),
        ),
        migrations.AddField(
            model_name="startloanapplication",
            name="monthly_child_benefit",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("0"),
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="barnetrygd per måned (kr)",
            ),
        ),
        migrations.AddField(
            model_name="startloanapplication",
            name="monthly_child_support",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("0"),
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="mottatt barnebidrag per måned (kr)",
            ),
        ),
        migrations.AddField(
            model_name="startloanapplication",
            name="monthly_common_costs",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("0"),
                help_text="Borettslag og sameie: med renter og avdrag på fellesgjelden.",
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="felleskostnader per måned (kr)",
            ),
        ),
        migrations.AddField(
            model_name="startloanapplication",
            name="monthly_electricity",
            field=models.DecimalField(
                blank=True,
                decimal_places=0,
                help_text="Tom: standardbeløpet for boligens størrelse i årets satser.",
                max_digits=12,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="strøm og oppvarming per måned (kr)",
            ),
        ),
        migrations.AddField(
            model_name="startloanapplication",
            name="monthly_housing_allowance",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("0"),
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="bostøtte per måned (kr)",
            ),
        ),
        migrations.AlterField(
            model_name="livingcostrate",
            name="table",
            field=models.CharField(
                choices=[
                    ("guideline", "Statens veiledende satser for økonomisk stønad (gulv)"),
                    ("standard", "Standardbudsjett (grunnlaget i satsene)"),
                ],
                max_length=10,
                verbose_name="tabell",
            ),
        ),
        migrations.AlterField(
            model_name="loanparameters",
            name="term_fee",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("0"),
                help_text="Bare for dokumenterte kostnader ut over det rentepåslaget dekker.",
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="termingebyr per måned (kr)",
            ),
        ),
        migrations.AlterField(
            model_name="startloanapplication",
            name="existing_debt",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("0"),
                help_text="Gjeld som ikke refinansieres: summen av gjeldspostene.",
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="annen gjeld (kr)",
            ),
        ),
        migrations.AlterField(
            model_name="startloanapplication",
            name="monthly_fixed_costs",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("0"),
                help_text="Barnehage/SFO/AKS, bidrag som betales o.l. Gjeld føres som gjeldsposter.",
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="faste utgifter per måned (kr)",
            ),
        ),
        migrations.AlterField(
            model_name="startloanapplication",
            name="monthly_housing_costs",
            field=models.DecimalField(
                decimal_places=0,
                default=Decimal("0"),
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="kommunale avgifter, forsikring og vedlikehold per måned (kr)",
            ),
        ),
        migrations.AlterField(
            model_name="startloanapplication",
            name="monthly_living_costs",
            field=models.DecimalField(
                blank=True,
                decimal_places=0,
                help_text="Tom: standardbudsjettet i årets satser brukes.",
                max_digits=12,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="faktiske levekostnader per måned (kr)",
            ),
        ),
        migrations.AlterField(
            model_name="startloanapplication",
            name="monthly_net_income",
            field=models.DecimalField(
                decimal_places=0,
                help_text="Lønn, trygd og pensjon etter skatt; barnetrygd, bostøtte og bidrag føres for seg.",
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="inntekt etter skatt per måned (kr)",
            ),
        ),
        migrations.AddConstraint(
            model_name="startloanapplication",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("common_debt__gte", 0),
                    ("monthly_common_costs__gte", 0),
                    ("monthly_child_benefit__gte", 0),
                    ("monthly_housing_allowance__gte", 0),
                    ("monthly_child_support__gte", 0),
                    models.Q(
                        ("monthly_electricity__isnull", True),
                        ("monthly_electricity__gte", 0),
                        _connector="OR",
                    ),
                ),
                name="loan_budget_money_not_negative",
                violation_error_message="Beløp kan ikke være negative.",
            ),
        ),
        migrations.RunPython(no_fee_on_unreviewed_defaults, migrations.RunPython.noop),
    ]
