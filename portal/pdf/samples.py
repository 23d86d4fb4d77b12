"""Synthetic but realistic contexts for every PDF template (bench_pdf, the tests, previews).

Names, numbers and addresses are invented. Each function returns a fresh dict, so a caller may change it.
"""

import datetime

DOCUMENT_DATE = datetime.date(2026, 11, 23)

_ADDRESSEE = {"name": "株式会社みらい統計研究所", "representative": "代表取締役　佐藤　健一"}
_APPLICANT = {
    "address": "東京都千代田区神田錦町三丁目5番1号　みらいビル8階",
    "name": "株式会社みらい統計研究所",
    "representative": "代表取締役　佐藤　健一",
    "phone": "03-5555-0123",
    "email": "data-contract@mirai-stat.example.jp",
}
_PROPOSAL = {
    "receipt_number": "R8-0042",
    "submitted_on": datetime.date(2026, 9, 30),
    "business_name": "地域別の健康診断結果と生活習慣の関係の分析による保健指導支援サービスの開発",
    "file_names": ["特定健康診査結果ファイル", "保健指導実施記録ファイル"],
}
_CONTACT = {
    "section": "大臣官房個人情報保護推進室",
    "person": "匿名加工情報提供係　田中",
    "phone": "03-5555-0100（内線 4321）",
    "email": "tokumei-kako@example.go.jp",
}
_FEE = {
    "amount": 100_000,
    "breakdown": [
        {"label": "基本額", "amount": 21_000},
        {"label": "作成に要する時間（20時間 × 3,950円）", "amount": 79_000},
    ],
    "payment_method": "同封の納付書により、日本銀行（本店・支店・代理店又は歳入代理店）に納付してください。",
    "due_date": datetime.date(2026, 12, 25),
}
_USAGE_PERIOD = {"start": datetime.date(2027, 1, 15), "end": datetime.date(2029, 3, 31)}
_DATASET = {
    "description": "令和5年度から令和7年度までの特定健康診査の結果及び保健指導の実施記録を、"
    "加工基準に従って加工したもの（約12万レコード）",
    "subject_count": 118_500,
    "items": [
        {"name": "氏名", "processing": "削除"},
        {"name": "被保険者番号", "processing": "削除（個人識別符号）"},
        {"name": "受診者ID", "processing": "提供先ごとの鍵付きハッシュによる仮IDに置換"},
        {"name": "生年月日", "processing": "5歳階級の年齢に一般化（90歳以上はトップコーディング）"},
        {"name": "性別", "processing": "そのまま"},
        {"name": "住所", "processing": "都道府県単位に一般化"},
        {"name": "受診年月日", "processing": "受診年度に一般化"},
        {"name": "身長", "processing": "1cm単位に丸め、200cm以上はトップコーディング"},
        {"name": "体重", "processing": "1kg単位に丸め、150kg以上はトップコーディング"},
        {"name": "腹囲", "processing": "1cm単位に丸め"},
        {"name": "BMI", "processing": "小数第1位に丸め"},
        {"name": "収縮期血圧", "processing": "そのまま（250mmHg以上はトップコーディング）"},
        {"name": "拡張期血圧", "processing": "そのまま（150mmHg以上はトップコーディング）"},
        {"name": "中性脂肪", "processing": "1,000mg/dL以上はトップコーディング"},
        {"name": "HDLコレステロール", "processing": "そのまま"},
        {"name": "LDLコレステロール", "processing": "そのまま"},
        {"name": "空腹時血糖", "processing": "そのまま"},
        {"name": "HbA1c", "processing": "そのまま"},
        {"name": "喫煙歴", "processing": "そのまま"},
        {"name": "飲酒頻度", "processing": "そのまま"},
        {"name": "保健指導レベル", "processing": "そのまま"},
        {"name": "保健指導の実施機関名", "processing": "削除（特定の個人の識別につながるおそれ）"},
        {"name": "特記事項（自由記述）", "processing": "削除"},
    ],
}
_SECURITY_MEASURES = [
    "本件匿名加工情報は、インターネットに接続しない専用の分析端末1台でのみ取り扱い、端末は施錠された分析室に設置する。",
    "分析室への入退室はICカードにより管理し、その記録を1年間保存する。",
    "分析端末へのログインは取扱者ごとのアカウントと多要素認証により行い、操作記録を取得して月1回点検する。",
    "本件匿名加工情報及びその複製物はAES-256で暗号化して保存し、外部記録媒体への書出しを技術的に禁止する。",
    "取扱者に対し、利用開始前及び毎年度1回、個人情報の保護及び本契約の内容に関する研修を実施する。",
    "分析結果を分析室の外に持ち出すときは、集計表の最小セル度数を10以上とし、管理責任者が確認する。",
]


def result_notice_adequate() -> dict:
    return {
        "document_number": "デ推個第1234号",
        "document_date": DOCUMENT_DATE,
        "addressee": dict(_ADDRESSEE),
        "agency_head_name": "山本　恵子",
        "proposal": dict(_PROPOSAL),
        "fee": dict(_FEE),
        "submission_deadline": datetime.date(2026, 12, 25),
        "provision_method": "本ポータルからのダウンロード（暗号化したファイルを提供し、復号鍵は別途通知します。）",
        "remarks": [
            "契約書は、2通とも記名押印の上、返送してください。甲の記名押印後、1通を返送します。",
            "提出期限までに申込書の提出及び手数料の納付がないときは、契約の締結の申込みがなかったものとして取り扱います。",
        ],
        "contact": dict(_CONTACT),
    }


def result_notice_inadequate() -> dict:
    criteria = [
        (
            "第1号　法第113条各号に掲げる欠格事由に該当しないこと",
            True,
            "誓約書及び登記事項証明書により、該当しないことを確認した。",
        ),
        (
            "第2号　本人の数が1,000人以上であり、かつ、個人情報ファイルを構成する保有個人情報の本人の数以下であること",
            True,
            "提案された抽出条件による本人の数は約3,200人であり、基準を満たす。",
        ),
        (
            "第3号　加工の方法が法第116条第1項の基準に適合するものであること",
            False,
            "市区町村単位の住所と生年月日（年月）の組合せを残す加工方法では、本人の数が1人となる区分が多数"
            "生じ、特定の個人を識別することができるおそれがある。",
        ),
        (
            "第4号　事業が新たな産業の創出又は活力ある経済社会若しくは豊かな国民生活の実現に資するものであること",
            True,
            "地域の保健指導の改善に資するものと認められる。",
        ),
        (
            "第5号　利用期間が利用の目的及び方法からみて必要な期間を超えないこと",
            True,
            "提案された利用期間（2年）は、分析計画に照らし必要な期間の範囲内である。",
        ),
        (
            "第6号　利用の目的及び方法並びに安全管理の措置が本人の権利利益を保護するために適切なものであること",
            False,
            "分析をクラウドサービス上で行うとしているが、アクセス制御及び操作記録の取得・点検の方法が示されておらず、"
            "漏えいの防止のための措置が適切であると認められない。",
        ),
        (
            "第7号　行政機関の事務の遂行に著しい支障を及ぼさないものであること",
            True,
            "作成に要する作業量は、事務の遂行に著しい支障を及ぼすものではない。",
        ),
    ]
    return {
        "document_number": "デ推個第1235号",
        "document_date": DOCUMENT_DATE,
        "addressee": {"name": "合同会社ヘルスデータ・ラボ", "representative": "代表社員　鈴木　花子"},
        "agency_head_name": "山本　恵子",
        "proposal": {**_PROPOSAL, "receipt_number": "R8-0043", "file_names": ["特定健康診査結果ファイル"]},
        "criteria": [{"label": label, "met": met, "reason": reason} for label, met, reason in criteria],
        "contact": dict(_CONTACT),
    }


def contract_application() -> dict:
    return {
        "applicant": dict(_APPLICANT),
        "notice": {"document_number": "デ推個第1234号", "document_date": DOCUMENT_DATE},
        "proposal": dict(_PROPOSAL),
        "dataset": dict(_DATASET),
        "purpose": "地域別・年齢階級別の健康診断結果と生活習慣の関係を分析し、市区町村の保健指導の重点化を支援する"
        "サービスを開発するため",
        "usage_period": dict(_USAGE_PERIOD),
        "provision_method": "本ポータルからのダウンロード",
        "fee": {"amount": _FEE["amount"]},
    }


def usage_contract() -> dict:
    return {
        "contract_number": "デ推個契第8-042号",
        "agency_address": "東京都千代田区霞が関一丁目2番3号",
        "agency_head_name": "山本　恵子",
        "contractor": {key: _APPLICANT[key] for key in ("address", "name", "representative")},
        "proposal": dict(_PROPOSAL),
        "dataset": dict(_DATASET),
        "purpose": "地域別・年齢階級別の健康診断結果と生活習慣の関係を分析し、市区町村の保健指導の重点化を支援する"
        "サービスを開発するため",
        "usage_method": "統計解析ソフトウェアによる集計及び回帰分析を行い、集計表及び分析モデルを作成する。"
        "個票データ自体は提供先の外部に出さない。",
        "usage_place": "東京都千代田区神田錦町三丁目5番1号　みらいビル8階　分析室",
        "handlers": "乙の研究開発部データ分析課に所属し、あらかじめ甲に届け出た取扱者（5名以内）",
        "security_measures": list(_SECURITY_MEASURES),
        "provision_method": "本ポータルからのダウンロード",
        "fee": {"amount": _FEE["amount"], "due_date": _FEE["due_date"]},
        "usage_period": dict(_USAGE_PERIOD),
    }


def payment_slip() -> dict:
    return {
        "document_date": DOCUMENT_DATE,
        "fiscal_year_label": "令和8年度",
        "payment_number": "0801-2345-6789",
        "collecting_officer": "デジタル行政推進省大臣官房会計課長",
        "revenue_account": "雑収入　諸収入　手数料",
        "payer": {"address": _APPLICANT["address"], "name": _APPLICANT["name"]},
        "amount": _FEE["amount"],
        "due_date": _FEE["due_date"],
        "purpose": "行政機関等匿名加工情報の利用に関する契約に係る手数料（受付番号 R8-0042）",
    }


SAMPLES = {
    "pdf/result_notice_adequate.html": result_notice_adequate,
    "pdf/result_notice_inadequate.html": result_notice_inadequate,
    "pdf/contract_application.html": contract_application,
    "pdf/usage_contract.html": usage_contract,
    "pdf/payment_slip.html": payment_slip,
}
