"""Demo register: the sample entry of seed 000 plus realistic files of several organizations.

Idempotent: entries are keyed by 整理番号 and organizations by name.
"""

import datetime

from django.db import transaction

from files_registry.enums import EligibilityCondition, FileType
from files_registry.models import AnonymizedDatasetSummary, RegisterEntry
from files_registry.services import entry_record_eligibility, entry_refresh_search_text, entry_set_recorded_items
from portal.accounts.models import Organization

KASUMIGASEKI = "東京都千代田区霞が関"

ORGANIZATIONS = [
    ("大臣官房総務課", "100-8926", f"{KASUMIGASEKI}2-1-2"),
    ("大臣官房人事課", "100-8926", f"{KASUMIGASEKI}2-1-2"),
    ("個人情報保護試験室", "100-0013", f"{KASUMIGASEKI}3-1-1"),
    ("統計局統計調査課", "162-8668", "東京都新宿区若松町19-1"),
    ("健康局健康課", "100-8916", f"{KASUMIGASEKI}1-2-2"),
    ("子ども家庭局家庭福祉課", "100-8916", f"{KASUMIGASEKI}1-2-2"),
    ("年金局事業管理課", "100-8916", f"{KASUMIGASEKI}1-2-2"),
    ("職業安定局雇用政策課", "100-8916", f"{KASUMIGASEKI}1-2-2"),
    ("情報政策局情報基盤課", "100-8926", f"{KASUMIGASEKI}2-1-2"),
]

OFFICE = "（名称）{org}\n（所在地）〒{postal} {address}"

# (organization, name, purpose, items, scope, collection, sensitive, file_type, open)
FILES = [
    (
        "大臣官房人事課",
        "職員人事記録ファイル",
        "職員の任免、給与及び服務に関する事務に利用する。",
        "職員番号、氏名、生年月日、性別、住所、採用年月日、所属、官職、俸給、評価記録",
        "在職する職員及び退職後5年以内の者",
        "本人からの提出及び各部局からの報告により収集した。",
        False,
        FileType.COMPUTER,
        False,
    ),
    (
        "大臣官房人事課",
        "職員健康診断結果ファイル",
        "職員の健康管理及び保健指導に利用する。",
        "職員番号、氏名、生年月日、性別、所属、受診年月日、身長、体重、血圧、検査結果、判定",
        "定期健康診断を受診した職員",
        "健康診断実施機関からの報告により収集した。",
        True,
        FileType.COMPUTER,
        False,
    ),
    (
        "大臣官房人事課",
        "採用試験受験者ファイル",
        "職員採用試験の実施及び合格者の決定に利用する。",
        "受験番号、氏名、生年月日、性別、住所、電話番号、学歴、試験区分、得点、合否の別",
        "職員採用試験の受験者（平成30年度以降）",
        "受験申込書により本人から収集した。",
        False,
        FileType.COMPUTER,
        True,
    ),
    (
        "大臣官房総務課",
        "行政相談受付ファイル",
        "行政相談の受付、処理及び回答に利用する。",
        "受付番号、受付年月日、氏名、住所、電話番号、相談内容、処理経過、回答内容",
        "行政相談を申し出た者",
        "相談者からの申出により収集した。",
        False,
        FileType.COMPUTER,
        False,
    ),
    (
        "大臣官房総務課",
        "情報公開請求者ファイル",
        "行政文書の開示請求の受付及び処理に利用する。",
        "受付番号、氏名、住所、電話番号、請求文書名、決定内容、決定年月日",
        "行政文書の開示請求をした者",
        "開示請求書により本人から収集した。",
        False,
        FileType.COMPUTER,
        False,
    ),
    (
        "大臣官房総務課",
        "保有個人情報開示請求者ファイル",
        "保有個人情報の開示、訂正及び利用停止の請求の処理に利用する。",
        "受付番号、氏名、住所、電話番号、請求の内容、決定内容",
        "保有個人情報の開示等を請求した者",
        "請求書により本人から収集した。",
        False,
        FileType.MANUAL,
        False,
    ),
    (
        "統計局統計調査課",
        "家計消費状況調査世帯ファイル",
        "家計消費の動向に関する統計の作成に利用する。",
        "調査区番号、世帯番号、世帯主の年齢、世帯人員、住所、職業、年間収入、支出額",
        "調査対象として選定された世帯",
        "調査票により世帯から収集した。",
        False,
        FileType.COMPUTER,
        True,
    ),
    (
        "統計局統計調査課",
        "労働力調査世帯員ファイル",
        "就業及び不就業の状態に関する統計の作成に利用する。",
        "調査区番号、世帯番号、氏名、性別、生年月、就業状態、産業、職業、従業上の地位、就業時間",
        "調査対象世帯の15歳以上の世帯員",
        "調査員による聞き取り及び調査票により収集した。",
        False,
        FileType.COMPUTER,
        True,
    ),
    (
        "統計局統計調査課",
        "統計調査員名簿ファイル",
        "統計調査員の任命及び調査の実施に利用する。",
        "調査員番号、氏名、生年月日、住所、電話番号、担当地区、任命期間",
        "統計調査員として任命された者",
        "都道府県からの推薦書により収集した。",
        False,
        FileType.COMPUTER,
        False,
    ),
    (
        "健康局健康課",
        "特定健康診査結果ファイル",
        "生活習慣病の予防に関する施策の企画及び評価に利用する。",
        "被保険者番号、氏名、生年月日、性別、住所、受診年月日、身長、体重、腹囲、血圧、血糖、脂質、服薬の有無",
        "特定健康診査を受診した40歳以上75歳未満の者",
        "保険者からの報告により収集した。",
        True,
        FileType.COMPUTER,
        True,
    ),
    (
        "健康局健康課",
        "難病患者医療費助成受給者ファイル",
        "難病の患者に対する医療費助成の実施及び研究に利用する。",
        "受給者番号、氏名、生年月日、性別、住所、疾病名、診断年月日、重症度、助成期間",
        "特定医療費の支給認定を受けた者",
        "都道府県からの報告により収集した。",
        True,
        FileType.COMPUTER,
        False,
    ),
    (
        "健康局健康課",
        "予防接種健康被害救済給付ファイル",
        "予防接種による健康被害の救済給付の審査に利用する。",
        "請求番号、氏名、生年月日、性別、住所、接種年月日、ワクチン名、症状、審査結果",
        "救済給付を請求した者",
        "市町村からの進達により収集した。",
        True,
        FileType.COMPUTER,
        False,
    ),
    (
        "健康局健康課",
        "がん登録情報ファイル",
        "がん対策の企画立案及び評価並びにがん研究に利用する。",
        "登録番号、性別、診断時年齢、住所（市区町村）、診断年月日、部位、進行度、治療内容、生存確認情報",
        "全国の病院で診断されたがん患者",
        "病院からの届出により収集した。",
        True,
        FileType.COMPUTER,
        True,
    ),
    (
        "子ども家庭局家庭福祉課",
        "児童扶養手当受給者ファイル",
        "児童扶養手当の支給事務の適正な実施に利用する。",
        "受給者番号、氏名、生年月日、住所、児童の数、所得額、支給額、支給開始年月",
        "児童扶養手当の受給者",
        "都道府県等からの報告により収集した。",
        False,
        FileType.COMPUTER,
        True,
    ),
    (
        "子ども家庭局家庭福祉課",
        "里親登録者ファイル",
        "里親制度の運営及び委託の調整に利用する。",
        "登録番号、氏名、生年月日、住所、電話番号、登録区分、登録年月日、研修受講歴",
        "里親として登録された者",
        "都道府県からの報告により収集した。",
        False,
        FileType.COMPUTER,
        False,
    ),
    (
        "子ども家庭局家庭福祉課",
        "保育士登録者ファイル",
        "保育士の登録及び登録証の交付に利用する。",
        "登録番号、氏名、生年月日、本籍地都道府県、住所、資格取得年月日、養成施設名",
        "保育士として登録を受けた者",
        "登録申請書により本人から収集した。",
        False,
        FileType.COMPUTER,
        True,
    ),
    (
        "年金局事業管理課",
        "年金受給者現況ファイル",
        "年金給付の適正な支給及び制度の運営に利用する。",
        "基礎年金番号、氏名、生年月日、性別、住所、年金種別、年金額、受給開始年月",
        "年金の受給権者",
        "裁定請求書及び現況届により収集した。",
        False,
        FileType.COMPUTER,
        False,
    ),
    (
        "年金局事業管理課",
        "国民年金保険料免除者ファイル",
        "国民年金保険料の免除等の審査及び制度の企画に利用する。",
        "基礎年金番号、氏名、生年月日、住所、免除区分、免除期間、所得額",
        "保険料の免除等を受けた被保険者",
        "申請書により本人から収集した。",
        False,
        FileType.COMPUTER,
        True,
    ),
    (
        "職業安定局雇用政策課",
        "求職者登録ファイル",
        "職業紹介及び雇用施策の企画立案に利用する。",
        "求職番号、氏名、生年月日、性別、住所、電話番号、希望職種、学歴、職歴、資格、求職登録年月日",
        "公共職業安定所に求職を申し込んだ者",
        "求職申込書により本人から収集した。",
        False,
        FileType.COMPUTER,
        True,
    ),
    (
        "職業安定局雇用政策課",
        "雇用保険受給資格者ファイル",
        "雇用保険の失業等給付の支給及び制度の運営に利用する。",
        "被保険者番号、氏名、生年月日、性別、住所、離職年月日、離職理由、賃金日額、給付日数",
        "受給資格の決定を受けた者",
        "離職票及び本人の申告により収集した。",
        False,
        FileType.COMPUTER,
        True,
    ),
    (
        "職業安定局雇用政策課",
        "職業訓練受講者ファイル",
        "公的職業訓練の実施及び効果の検証に利用する。",
        "受講者番号、氏名、生年月日、性別、住所、訓練科目、受講期間、修了の別、就職状況",
        "公的職業訓練を受講した者",
        "受講申込書及び訓練実施機関からの報告により収集した。",
        False,
        FileType.COMPUTER,
        False,
    ),
    (
        "情報政策局情報基盤課",
        "電子申請利用者ファイル",
        "電子申請システムの利用者管理及び問合せ対応に利用する。",
        "利用者ID、氏名、メールアドレス、電話番号、登録年月日、最終利用日時",
        "電子申請システムの利用登録をした者",
        "利用登録の際に本人から収集した。",
        False,
        FileType.COMPUTER,
        False,
    ),
    (
        "情報政策局情報基盤課",
        "情報システム調達参加資格者ファイル",
        "情報システムの調達に係る競争参加資格の審査に利用する。",
        "登録番号、代表者氏名、法人名、所在地、電話番号、資格等級、有効期間",
        "競争参加資格の審査を申請した法人の代表者",
        "申請書により収集した。",
        False,
        FileType.MANUAL,
        False,
    ),
]

REGIONS = ["北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州"]


def seed_organizations() -> dict[str, Organization]:
    result = {}
    for name, postal, address in ORGANIZATIONS:
        organization, _ = Organization.objects.update_or_create(
            name=name, defaults={"postal_code": postal, "address": address}
        )
        result[name] = organization
    return result


def _office(organization: Organization) -> str:
    return OFFICE.format(org=organization.name, postal=organization.postal_code, address=organization.address)


def _save(number: str, organization: Organization, items: list[str], open_for_proposals: bool, actor, **fields):
    entry = RegisterEntry.objects.filter(register_number=number).first() or RegisterEntry(register_number=number)
    entry.organization = organization
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.disclosure_office = _office(Organization.objects.get(name="大臣官房総務課"))
    if open_for_proposals:
        for condition in EligibilityCondition:
            entry_record_eligibility(entry=entry, condition=condition, holds=True, actor=actor)
        entry.proposal_office = _office(organization)
        entry.existing_dataset_proposal_office = _office(organization)
    entry.open_for_proposals = open_for_proposals
    entry._change_reason = "デモデータ"
    entry.save()
    if not entry_set_recorded_items(entry=entry, names=items):
        entry_refresh_search_text(entry=entry, item_names=items)
    return entry


def _sample_entry(organizations: dict[str, Organization], actor) -> RegisterEntry:
    """The sample 個人情報ファイル簿 of seed 000, with its placeholders filled in."""
    return _save(
        "DEMO-0001",
        organizations["個人情報保護試験室"],
        ["受験年度", "受験番号", "氏名", "生年月日", "性別", "住所", "電話番号", "合否の別", "合格順位", "得点"],
        True,
        actor,
        name="個人情報保護取扱主任者受験者ファイル",
        purpose="個人情報保護取扱主任者試験の実施及び合格者の選定のために利用する。",
        record_scope="個人情報保護試験の受験者（平成28年度以降）",
        collection_method="受験申込書により受験者本人から収集した。",
        contains_sensitive_information=False,
        file_type=FileType.COMPUTER,
        cabinet_order_20_7=False,
        subject_count=48_000,
        remarks="",
    )


def _with_dataset(entry: RegisterEntry) -> None:
    """A created dataset (seed 000 example: 本人の数 1万人, 氏名（削除）住所（都道府県単位に置換え）)."""
    summary, _ = AnonymizedDatasetSummary.objects.update_or_create(
        entry=entry,
        created_on=datetime.date(2026, 4, 1),
        defaults={
            "subject_count": 10_000,
            "proposal_period_start": datetime.date(2026, 4, 1),
            "proposal_period_end": datetime.date(2027, 3, 31),
        },
    )
    summary.items.all().delete()
    for position, (name, processing) in enumerate(
        [
            ("氏名", "削除"),
            ("住所", "都道府県単位に置換え"),
            ("生年月日", "生年に置換え"),
            ("得点", "10点単位に置換え"),
            ("合否の別", ""),
        ],
        start=1,
    ):
        summary.items.create(position=position, name=name, processing=processing)


@transaction.atomic
def seed_register(*, actor) -> int:
    """Load the demo register, confirmations made by `actor`; returns the number of entries."""
    sample = _sample_entry(seed_organizations(), actor)
    organizations = {organization.name: organization for organization in Organization.objects.all()}
    _with_dataset(sample)
    number = 1
    for org_name, name, purpose, items, scope, collection, sensitive, file_type, is_open in FILES:
        # Regional branches keep their own files of the same kind, as ministries do.
        for region in REGIONS[: 3 if is_open else 2]:
            number += 1
            _save(
                f"DEMO-{number:04d}",
                organizations[org_name],
                items.split("、"),
                is_open and region == REGIONS[0],
                actor,
                name=name if region == REGIONS[0] else f"{name}（{region}ブロック）",
                purpose=purpose,
                record_scope=scope if region == REGIONS[0] else f"{scope}のうち{region}ブロックに係るもの",
                collection_method=collection,
                contains_sensitive_information=sensitive,
                file_type=file_type,
                cabinet_order_20_7=False,
                subject_count=15_000 + number * 1_731,
                remarks="",
            )
    return RegisterEntry.objects.count()
