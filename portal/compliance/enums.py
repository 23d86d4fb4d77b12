"""Choices of the compliance app: incidents (事案, seed 004 第25条–第28条) and outsourcing (委託, 第26条)."""

from django.db import models


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", "報告受付"
    RESPONDING = "responding", "被害の拡大防止・復旧等の措置中"
    INVESTIGATING = "investigating", "調査中"
    CLOSED = "closed", "終結"


class IncidentSource(models.TextChoices):
    # seed 004 第27条1項: the staff member who learns of it reports at once.
    STAFF = "staff", "職員からの報告（第27条第1項）"
    # seed 004 第25条2項: the contracted party's report through /mypage/.
    CONTRACTOR = "contractor", "契約相手方からの報告（第25条第2項）"


class StepKind(models.TextChoices):
    """What a recorded step of an incident is; each row carries when and who."""

    CONTAINMENT = "containment", "被害の拡大防止・復旧等の措置（第27条第2項）"
    REMEDY_CONFIRMATION = "remedy_confirmation", "契約相手方が講じた是正の措置の確認（第25条第2項）"
    INVESTIGATION = "investigation", "調査（事案の発生した経緯、被害状況等）（第27条第3項）"
    HEAD_REPORT = "head_report", "機構長への報告（第27条第4項）"
    CAUSE = "cause", "原因の分析（第27条第5項）"
    RECURRENCE_PREVENTION = "recurrence_prevention", "再発防止のために必要な措置（第27条第5項）"
    DATA_SUBJECT_RESPONSE = "data_subject_response", "本人への対応等の措置（第28条第1項）"
    PUBLICATION = "publication", "公表（第28条第1項）"
    NO_PUBLICATION = "no_publication", "公表しないことの決定（理由）"
    COMMISSION_REPORT = "commission_report", "個人情報保護委員会への報告（第28条第2項）"


# seed 004 第28条第1項: the publication decision is either kind (see workflow.CLOSING_RULES).
PUBLICATION_DECISION = (StepKind.PUBLICATION, StepKind.NO_PUBLICATION)


class OutsourcingStatus(models.TextChoices):
    PREPARING = "preparing", "契約準備中"
    ACTIVE = "active", "有効"
    ENDED = "ended", "終了"


class OutsourcingKind(models.TextChoices):
    """How the outside party works for the agency: under an outsourcing contract (第26条第1項–第5項) or as
    dispatched workers under a worker-dispatch contract (労働者派遣契約, 第26条第6項)."""

    OUTSOURCING = "outsourcing", "業務の委託（第26条第1項）"
    DISPATCH = "dispatch", "派遣労働者による業務（第26条第6項）"


class SubcontractingStatus(models.TextChoices):
    APPROVED = "approved", "承認済み（再委託契約の確認前）"
    ACTIVE = "active", "有効"
    ENDED = "ended", "終了"


class Clause(models.TextChoices):
    """The items seed 004 第26条第1項 requires every outsourcing contract to state (第1号–第8号)."""

    CONFIDENTIALITY = "confidentiality", "行政機関等匿名加工情報に関する秘密保持、目的外利用の禁止等の義務"
    SUBCONTRACTING = (
        "subcontracting",
        ("再委託（再委託先が委託先の子会社である場合も含む。）の制限又は事前承認等再委託に係る条件に関する事項"),
    )
    COPYING = "copying", "行政機関等匿名加工情報の複製等の制限に関する事項"
    SAFETY = "safety", "行政機関等匿名加工情報の安全管理措置に関する事項"
    INCIDENT = "incident", "行政機関等匿名加工情報の漏えい等の事案の発生時における対応に関する事項"
    ERASURE = "erasure", "委託終了時における行政機関等匿名加工情報の消去及び媒体の返却に関する事項"
    BREACH = "breach", "法令及び契約に違反した場合における契約解除、損害賠償責任その他必要な事項"
    AUDIT = (
        "audit",
        (
            "契約内容の遵守状況についての定期的報告に関する事項及び委託先における委託された行政機関等匿名加工情報の"
            "取扱状況を把握するための監査等に関する事項（再委託先の監査等に関する事項を含む。）"
        ),
    )

    # 第26条第6項: the worker-dispatch contract states the duties of handling the data.
    DISPATCH_TERMS = (
        "dispatch_terms",
        "秘密保持義務等の行政機関等匿名加工情報の取扱いに関する事項（労働者派遣契約書）",
    )


# The items each kind of contract must state: 第26条第1項第1号–第8号 (a subcontract too, 第5項), or the
# worker-dispatch contract's one item (第6項).
CLAUSES_OF_OUTSOURCING = tuple(clause for clause in Clause if clause != Clause.DISPATCH_TERMS)
CLAUSES_OF_KIND = {
    OutsourcingKind.OUTSOURCING: CLAUSES_OF_OUTSOURCING,
    OutsourcingKind.DISPATCH: (Clause.DISPATCH_TERMS,),
}
CLAUSE_ITEM_NUMBERS = {
    **{clause: f"第26条第1項第{n}号" for n, clause in enumerate(CLAUSES_OF_OUTSOURCING, start=1)},
    Clause.DISPATCH_TERMS: "第26条第6項",
}


class InspectionResult(models.TextChoices):
    ADEQUATE = "adequate", "適切"
    NEEDS_IMPROVEMENT = "needs_improvement", "改善を要する"
    INADEQUATE = "inadequate", "不適切"


class InspectionMethod(models.TextChoices):
    ON_SITE = "on_site", "実地検査"
    DOCUMENTS = "documents", "書面による確認"
    REMOTE = "remote", "オンラインによる確認"
    # 第26条第5項: a subcontractor is inspected by the agency itself or through the contractor.
    THROUGH_CONTRACTOR = "through_contractor", "委託先を通じた確認（再委託先）"


# --- Inspections by the protection managers (点検, seed 004 第30条) ---


class InspectionSubject(models.TextChoices):
    """What a protection manager's inspection (点検) looked at."""

    MEDIA = "media", "記録媒体（第30条）"
    PROCESSING_PATHS = "processing_paths", "処理経路（第30条）"
    STORAGE = "storage", "保管方法（第30条）"
    # 第13条: 「当該設定の定期的確認」 of the download warning.
    DOWNLOAD_ALERT_SETTINGS = "download_alert_settings", "ダウンロードの警告の設定の定期的確認（第13条）"
    # 第17条第2項: 「消去等の実施状況を重点的に確認」 of temporary copies.
    TEMPORARY_COPIES = "temporary_copies", "一時的な複製の消去等の実施状況の確認（第17条第2項）"
    OTHER = "other", "その他"


class InspectionOccasion(models.TextChoices):
    REGULAR = "regular", "定期"
    AD_HOC = "ad_hoc", "随時"
