"""The audit app's own sections of the period report (seed 004 第12条・第13条・第29条): what the access
records and alerts say about a period. Registered by AuditConfig.ready(); see report_sections for the
contract a section keeps, and reports for how the report is built and exported.

Nothing here loads a period into memory: counts are aggregated by the database, lists are read with
`.iterator()`.
"""

import datetime
import functools
from collections.abc import Iterator

from django.apps import apps
from django.db.models import Count, Q
from django.utils import timezone

from portal.audit.chain import exported_heads_read, heads_file_path
from portal.audit.enums import AccessAction, AccessResult, AlertKind
from portal.audit.models import AccessAlert, AccessRecord
from portal.audit.monitoring import VERIFICATION_OBJECT_TYPE
from portal.audit.report_sections import ReportSection, register_section
from portal.audit.reports import REPORT_OBJECT_TYPE, ReportPeriod, jtime
from portal.audit.verification import chain_verify
from portal.backup.services import OBJECT_TYPE as BACKUP_OBJECT_TYPE
from portal.key_rotation import MASTER_KEY_OBJECT_TYPE
from portal.sweeps import COUNT_LABELS, SWEEP_OBJECT_TYPE, TRIGGER_LABELS, sweep_describe

# Objects whose every access the audit lists one by one (seed 004 第12条・第29条): the locked-away
# source files, anything of the processing engine (datasets, processing secrets), proposals and contracts.
# Keys are AccessRecord.object_type as access_record() stores it (the model's label_lower).
RESTRICTED_OBJECT_TYPES = {
    "files_registry.sourcefile": "個人情報ファイル（原本）",
    "anonymizer.processingsecret": "加工方法等情報",
    "anonymizer.anonymizeddataset": "行政機関等匿名加工情報",
    "proposals.proposal": "提案",
    "proposals.proposalversion": "提案",
    "proposals.proposalattachment": "提案",
    "contracts.contract": "契約",
    "contracts.contractdocument": "契約",
    "contracts.contractreport": "契約",
}
# Every model of the engine's app is restricted, whatever it is named.
RESTRICTED_APP_PREFIXES = {"anonymizer.": "行政機関等匿名加工情報・加工方法等情報"}


def _records(start: datetime.date, end: datetime.date):
    period = ReportPeriod(start, end)
    return AccessRecord.objects.filter(occurred_at__gte=period.since, occurred_at__lt=period.until)


def _who(name: str, username: str) -> str:
    if name and username and name != username:
        return f"{name}（{username}）"
    return name or username or "（サインインしていない利用者）"


# What the system records about things that are not rows of a model (the tasks and commands that write them).
OTHER_OBJECT_TYPES = {
    REPORT_OBJECT_TYPE: "監査報告",
    VERIFICATION_OBJECT_TYPE: "アクセス記録の検証",
    BACKUP_OBJECT_TYPE: "バックアップ",
    MASTER_KEY_OBJECT_TYPE: "マスター鍵",
    SWEEP_OBJECT_TYPE: "一時的な複製",
}


@functools.lru_cache(maxsize=256)
def object_type_label(object_type: str) -> str:
    """The model's Japanese name with its label, e.g. 「提案（proposals.proposal）」."""
    if not object_type:
        return "－"
    if object_type in OTHER_OBJECT_TYPES:
        return f"{OTHER_OBJECT_TYPES[object_type]}（{object_type}）"
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return f"{model._meta.verbose_name}（{object_type}）"


def _restricted_category(object_type: str) -> str:
    if object_type in RESTRICTED_OBJECT_TYPES:
        return RESTRICTED_OBJECT_TYPES[object_type]
    return next((label for prefix, label in RESTRICTED_APP_PREFIXES.items() if object_type.startswith(prefix)), "")


def _restricted_q() -> Q:
    condition = Q(object_type__in=list(RESTRICTED_OBJECT_TYPES))
    for prefix in RESTRICTED_APP_PREFIXES:
        condition |= Q(object_type__startswith=prefix)
    return condition


_ACTIONS = dict(AccessAction.choices)
_RESULTS = dict(AccessResult.choices)
_KINDS = dict(AlertKind.choices)
_LIST_FIELDS = (
    "position",
    "occurred_at",
    "actor_name",
    "actor_username",
    "action",
    "result",
    "object_type",
    "object_repr",
    "request_path",
    "ip_address",
    "detail",
)


def _listed(records) -> Iterator[dict]:
    return records.order_by("position").values(*_LIST_FIELDS).iterator(chunk_size=2000)


# --- The audit app's own sections ---


def summary_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """Records per action and result, counted by the database, and the total."""
    counts = list(_records(start, end).values("action", "result").annotate(count=Count("position")).order_by())
    # A few dozen groups at most: put them in the order of the enums (閲覧, ダウンロード, … ; 成功, 拒否, 失敗).
    actions, results = list(_ACTIONS), list(_RESULTS)
    counts.sort(key=lambda group: (_rank(actions, group["action"]), _rank(results, group["result"])))
    for group in counts:
        action, result = group["action"], group["result"]
        yield (_ACTIONS.get(action, action), _RESULTS.get(result, result), str(group["count"]))
    yield ("合計", "", str(sum(group["count"] for group in counts)))


def _rank(values: list[str], value: str) -> int:
    return values.index(value) if value in values else len(values)


def access_by_user_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """Who accessed what: counts per person × object type × action (第29条: 措置の状況)."""
    groups = (
        _records(start, end)
        .values("actor_user_id", "actor_username", "actor_name", "object_type", "action")
        .annotate(count=Count("position"))
        .order_by("actor_username", "actor_user_id", "actor_name", "object_type", "action")
    )
    for group in groups.iterator(chunk_size=2000):
        yield (
            _who(group["actor_name"], group["actor_username"]),
            object_type_label(group["object_type"]),
            _ACTIONS.get(group["action"], group["action"]),
            str(group["count"]),
        )


def _restricted(start: datetime.date, end: datetime.date):
    return _records(start, end).filter(_restricted_q())


def _refused(start: datetime.date, end: datetime.date):
    return _records(start, end).filter(result=AccessResult.REFUSED)


def _failed_sign_ins(start: datetime.date, end: datetime.date):
    return _records(start, end).filter(action=AccessAction.SIGN_IN_FAILED)


def _by_superusers(start: datetime.date, end: datetime.date):
    return _records(start, end).filter(detail__superuser=True)


def _counter(records):
    """count(start, end) of a list section: the database counts, nothing is read."""
    return lambda start, end: records(start, end).count()


def restricted_access_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """Every access to a restricted object, one by one."""
    for record in _listed(_restricted(start, end)):
        yield (
            str(record["position"]),
            jtime(record["occurred_at"]),
            _who(record["actor_name"], record["actor_username"]),
            _restricted_category(record["object_type"]),
            record["object_repr"] or object_type_label(record["object_type"]),
            _ACTIONS.get(record["action"], record["action"]),
            _RESULTS.get(record["result"], record["result"]),
            record["ip_address"] or "",
        )


def refusal_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """Refused operations (seed 004 第5条2項: no access without authority)."""
    for record in _listed(_refused(start, end)):
        yield (
            str(record["position"]),
            jtime(record["occurred_at"]),
            _who(record["actor_name"], record["actor_username"]),
            _ACTIONS.get(record["action"], record["action"]),
            record["object_repr"] or object_type_label(record["object_type"]),
            record["request_path"],
            record["ip_address"] or "",
        )


def failed_sign_in_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """Failed sign-ins (第11条): the attempted login name and the address."""
    for record in _listed(_failed_sign_ins(start, end)):
        yield (
            str(record["position"]),
            jtime(record["occurred_at"]),
            record["actor_username"] or "（なし）",
            record["ip_address"] or "",
        )


def alert_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """Alerts raised in the period (第12条・第13条) and how each was handled (reviewed, by whom, note)."""
    period = ReportPeriod(start, end)
    alerts = AccessAlert.objects.filter(raised_at__gte=period.since, raised_at__lt=period.until)
    for alert in alerts.order_by("raised_at", "id").iterator(chunk_size=500):
        yield (
            jtime(alert.raised_at),
            _KINDS.get(alert.kind, alert.kind),
            _who(alert.subject_name, alert.subject_username)
            if alert.subject_user_id or alert.subject_username
            else str(alert.detail.get("ip_address", "－")),
            str(alert.record_count),
            jtime(alert.emailed_at) or "未通知",
            "確認済み" if alert.reviewed_at else "未確認",
            jtime(alert.reviewed_at),
            alert.reviewed_by_name,
            alert.review_note,
        )


def superuser_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """Everything done as a superuser (seed 004 第14条: set-up only, and all of it on the record)."""
    for record in _listed(_by_superusers(start, end)):
        detail = record["detail"]
        yield (
            str(record["position"]),
            jtime(record["occurred_at"]),
            _who(record["actor_name"], record["actor_username"]),
            _ACTIONS.get(record["action"], record["action"]),
            str(detail.get("method", "")) or "（画面外）",
            record["request_path"] or record["object_repr"],
            str(detail.get("status", "")),
            _RESULTS.get(record["result"], record["result"]),
        )


def _sweeps(start: datetime.date, end: datetime.date):
    return _records(start, end).filter(object_type=SWEEP_OBJECT_TYPE)


def sweep_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """Every sweep of temporary copies (seed 004 第17条, evidence for the 点検 of 第17条第2項)."""
    for record in _listed(_sweeps(start, end)):
        detail = record["detail"]
        counts = {key: int(detail[key]) for key in COUNT_LABELS if key in detail}
        yield (
            str(record["position"]),
            jtime(record["occurred_at"]),
            TRIGGER_LABELS.get(detail.get("trigger", ""), str(detail.get("trigger", ""))),
            str(sum(counts.values())),
            sweep_describe(counts),
        )


def chain_verification_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """The verification of the whole chain at the time of the report (read-only, 第12条2項)."""
    path = heads_file_path()
    report = chain_verify(exported_heads=exported_heads_read(path) if path.exists() else [])
    yield ("検証の日時", jtime(timezone.now()))
    yield ("結果", "異常なし" if report.ok else f"異常あり（{len(report.problems)}件）")
    yield ("検証した記録の件数", str(report.records_checked))
    first = report.first_position if report.first_position is not None else "－"
    yield ("検証した通番", f"{first}～{report.last_position}")
    yield (
        "外部に書き出した先頭との照合",
        f"{report.heads_checked}件" if path.exists() else "書き出した先頭がありません",
    )
    for problem in report.problems[:50]:
        yield ("異常", problem.message)


AUDIT_SECTIONS = (
    ReportSection(
        key="access_summary",
        title="アクセス記録の件数（操作・結果別）",
        columns=("操作", "結果", "件数"),
        rows=summary_rows,
        order=10,
    ),
    ReportSection(
        key="access_by_user",
        title="利用者別のアクセス（対象の種類・操作別の件数）",
        columns=("利用者", "対象の種類", "操作", "件数"),
        rows=access_by_user_rows,
        order=20,
    ),
    ReportSection(
        key="restricted_access",
        title="原本・加工方法等情報・行政機関等匿名加工情報・提案・契約へのアクセスの明細",
        columns=("通番", "日時", "利用者", "区分", "対象", "操作", "結果", "IPアドレス"),
        rows=restricted_access_rows,
        count=_counter(_restricted),
        order=21,
    ),
    ReportSection(
        key="refusals",
        title="拒否された操作（権限のない操作）",
        columns=("通番", "日時", "利用者", "操作", "対象", "画面のパス", "IPアドレス"),
        rows=refusal_rows,
        count=_counter(_refused),
        order=30,
    ),
    ReportSection(
        key="failed_sign_ins",
        title="サインインの失敗",
        columns=("通番", "日時", "ログイン名", "IPアドレス"),
        rows=failed_sign_in_rows,
        count=_counter(_failed_sign_ins),
        order=31,
    ),
    ReportSection(
        key="access_alerts",
        title="アクセス警告とその対応",
        columns=("検知日時", "種類", "対象", "該当件数", "通知日時", "対応状況", "確認日時", "確認者", "確認の記録"),
        rows=alert_rows,
        order=35,
    ),
    ReportSection(
        key="superuser_actions",
        title="特権ユーザー（スーパーユーザー）による操作",
        columns=("通番", "日時", "利用者", "操作", "方法", "画面のパス・対象", "応答", "結果"),
        rows=superuser_rows,
        count=_counter(_by_superusers),
        order=50,
    ),
    ReportSection(
        key="temporary_copies",
        title="一時的な複製の消去（第17条）",
        columns=("通番", "日時", "契機", "消去した件数", "内訳"),
        rows=sweep_rows,
        count=_counter(_sweeps),
        order=61,
    ),
    ReportSection(
        key="chain_verification",
        title="アクセス記録の改ざん検知（作成時点の全件の検証）",
        columns=("項目", "内容"),
        rows=chain_verification_rows,
        order=90,
    ),
)


def audit_sections_register() -> None:
    """Called by AuditConfig.ready()."""
    for section in AUDIT_SECTIONS:
        register_section(section)
