"""The anonymizer engine: a processing plan (data) in, a table, a report and the processing secrets out.

Plain Python + pandas/pyarrow; no Django import anywhere in this package. The Django layer (models, Celery
jobs, management commands, the vault) calls the functions re-exported here.
"""

from .errors import EngineError, InputError, OperationError, PlanError, SecretsError
from .identifiers import luhn_is_valid, my_number_is_valid, scrub_array, scrub_text
from .io import open_source, read_table, write_manifest, write_table
from .leftover import scan_array
from .optimizer import OptimizationResult, optimize
from .pipeline import RunResult, anonymize, anonymize_file
from .plan import Plan, load_plan, plan_schema, read_hierarchy
from .processing_secrets import ProcessingSecrets, SecretRecord
from .pseudonym import pseudonymize_array, warm_pool

__all__ = [
    "EngineError",
    "InputError",
    "OperationError",
    "OptimizationResult",
    "Plan",
    "PlanError",
    "ProcessingSecrets",
    "RunResult",
    "SecretRecord",
    "SecretsError",
    "anonymize",
    "anonymize_file",
    "load_plan",
    "luhn_is_valid",
    "my_number_is_valid",
    "open_source",
    "optimize",
    "plan_schema",
    "pseudonymize_array",
    "read_hierarchy",
    "read_table",
    "scan_array",
    "scrub_array",
    "scrub_text",
    "warm_pool",
    "write_manifest",
    "write_table",
]
