from django.db import models


class ProposerKind(models.TextChoices):
    INDIVIDUAL = "individual", "個人"
    CORPORATION = "corporation", "法人その他の団体"


class ProposalKind(models.TextChoices):
    """A proposal to create a dataset (法112) or to use one already created (法118)."""

    NEW_DATASET = "new", "行政機関等匿名加工情報の作成に関する提案"
    EXISTING_DATASET = "existing", "作成された行政機関等匿名加工情報に関する提案"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    SUBMITTED = "submitted", "提出済み"
    CORRECTION_REQUESTED = "correction_requested", "補正依頼中"
    WITHDRAWN = "withdrawn", "取下げ"
    # Screening (審査, 法114)
    UNDER_SCREENING = "under_screening", "審査中"
    AWAITING_APPROVAL = "awaiting_approval", "決裁待ち"
    ADEQUATE = "adequate", "審査の結果、適合"
    INADEQUATE = "inadequate", "審査の結果、不適合"


class ItemAction(models.TextChoices):
    """What the proposer asks for one recorded item (法112条2項4号: the processing method)."""

    DELETE = "delete", "削除"
    KEEP = "keep", "そのまま"
    GENERALIZE = "generalize", "一般化（粗くする）"
    TOP_CODE = "top_code", "トップコーディング（上限値でまとめる）"
    BOTTOM_CODE = "bottom_code", "ボトムコーディング（下限値でまとめる）"


class GeneralizationLevel(models.TextChoices):
    """Levels a proposer may ask for with ItemAction.GENERALIZE (the anonymizer knows each)."""

    PREFECTURE = "prefecture", "住所 → 都道府県"
    MUNICIPALITY = "municipality", "住所 → 市区町村"
    YEAR = "year", "年月日 → 年"
    YEAR_MONTH = "year_month", "年月日 → 年月"
    AGE_5 = "age_5", "年齢 → 5歳階級"
    AGE_10 = "age_10", "年齢 → 10歳階級"


class RecordSelection(models.TextChoices):
    ALL = "all", "全件"
    SAMPLE = "sample", "無作為抽出（サンプリング）"
    SUBSET = "subset", "条件に合うレコードのみ"


class DeliveryMethod(models.TextChoices):
    """提供の方法 (法112条2項8号, 規則)."""

    ONLINE = "online", "本ポータルからのダウンロード"
    MEDIA = "media", "電子記録媒体（暗号化）の交付"


class AttachmentKind(models.TextChoices):
    """Documents attached to a proposal (法112条3項)."""

    DECLARATION = "declaration", "欠格事由に該当しないことを誓約する書面（誓約書）"
    CONTRIBUTION = "contribution", "事業が新たな産業の創出等に資するものであることを明らかにする書面"
    IDENTITY = "identity", "本人確認書類又は登記事項証明書"
    POWER_OF_ATTORNEY = "power_of_attorney", "委任状（代理人が提出する場合）"
    OTHER = "other", "その他の参考資料"


class DisqualificationGround(models.TextChoices):
    """The disqualification grounds of 法113 (一〜六)."""

    MINOR = "minor", "未成年者"
    MENTAL_IMPAIRMENT = "mental_impairment", "心身の故障により事業を適正に行うことができない者（規則）"
    BANKRUPT = "bankrupt", "破産手続開始の決定を受けて復権を得ない者"
    SENTENCE = (
        "sentence",
        "拘禁刑以上の刑又はこの法律の規定により刑に処せられ、執行を終わり又は受けることがなくなった日から2年を経過しない者",
    )
    CANCELLATION = "cancellation", "法第120条の規定により契約を解除され、その解除の日から2年を経過しない者"
    OFFICER = "officer", "法人その他の団体で、その役員のうちに上記に該当する者があるもの"


class Criterion(models.IntegerChoices):
    """The screening criteria of 法114条1項各号 (seed 000 ①–⑦), numbered as in the Act."""

    DISQUALIFICATION = 1, "第1号　法第113条各号に掲げる欠格事由に該当しないこと"
    SUBJECT_COUNT = (
        2,
        "第2号　本人の数が1,000人以上であり、かつ、個人情報ファイルを構成する保有個人情報の本人の数以下であること",
    )
    PROCESSING = 3, "第3号　加工の方法が法第116条第1項の基準に適合するものであること"
    CONTRIBUTION = (
        4,
        "第4号　事業が新たな産業の創出又は活力ある経済社会若しくは豊かな国民生活の実現に資するものであること",
    )
    USE_PERIOD = 5, "第5号　利用期間が利用の目的及び方法からみて必要な期間を超えないこと"
    PROTECTION = (
        6,
        "第6号　利用の目的及び方法並びに安全管理の措置が本人の権利利益を保護するために適切なものであること",
    )
    AGENCY_WORKLOAD = 7, "第7号　行政機関等の事務の遂行に著しい支障を及ぼさないものであること"


class ScreeningDecision(models.TextChoices):
    ADEQUATE = "adequate", "適合"
    INADEQUATE = "inadequate", "不適合"


class NoticeDocumentKind(models.TextChoices):
    """The PDFs issued with a result notice (法114条2項・3項; 法115: the enclosed forms)."""

    NOTICE = "notice", "審査結果通知書"
    CONTRACT_APPLICATION = "contract_application", "契約の締結の申込書"
    USAGE_CONTRACT = "usage_contract", "行政機関等匿名加工情報の利用に関する契約書"
