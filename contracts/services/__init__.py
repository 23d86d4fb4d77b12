"""Writes of the contracts app: the fee (手数料, 法119), the application (法115), payment, conclusion,
expiry, cancellation (法120) and the contractor's reports. Also the pure fee calculation.

Every write is on the access records (seed 004 第12条): 作成 for a new contract, report or document, 変更
for everything else done to a contract, detail["change"] naming what; from where is the current request.
Staff act only on contracts of the organizations they manage (overseers on all, 第5条).
"""

from contracts.services.common import (
    CREATE_DATASET_TASK,
    OBLIGATIONS,
    PAYMENT_DAYS,
    ContractError,
)
from contracts.services.fees import (
    FeeEstimate,
    FeeLine,
    charged_hours,
    fee_estimate,
    fee_finalize,
    fee_schedule_for_year,
    hours_log,
    logged_hours,
    paid_amount,
    payment_record,
    payment_slip_context,
)
from contracts.services.lifecycle import (
    application_deadline,
    contract_apply,
    contract_cancel,
    contract_conclude,
    contracts_expire,
)
from contracts.services.reports import (
    REPORTABLE,
    incident_recipients,
    report_submit,
)

__all__ = [
    "CREATE_DATASET_TASK",
    "OBLIGATIONS",
    "PAYMENT_DAYS",
    "REPORTABLE",
    "ContractError",
    "FeeEstimate",
    "FeeLine",
    "application_deadline",
    "charged_hours",
    "contract_apply",
    "contract_cancel",
    "contract_conclude",
    "contracts_expire",
    "fee_estimate",
    "fee_finalize",
    "fee_schedule_for_year",
    "hours_log",
    "incident_recipients",
    "logged_hours",
    "paid_amount",
    "payment_record",
    "payment_slip_context",
    "report_submit",
]
