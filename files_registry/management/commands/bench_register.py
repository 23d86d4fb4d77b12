"""Benchmark of the public register pages on a throwaway database.

Creates a fresh database beside the configured one (PostgreSQL when DATABASE_URL points at it),
fills it with realistic entries, then renders the search, filtered list and detail pages through
the whole request path (middleware, URL resolution, views, templates) with Django's test client.
Prints progress on stderr and one JSON object on the last line of stdout.
"""

import json
import random
import statistics
import sys
import time
import uuid
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, setup_test_environment, teardown_databases, teardown_test_environment
from django.urls import reverse
from django.utils import timezone

from files_registry.enums import FileType
from files_registry.models import RecordedItem, RegisterEntry
from files_registry.search import normalize_for_search
from portal.accounts.models import Organization

BUREAUS = ["大臣官房", "統計局", "健康局", "年金局", "職業安定局", "子ども家庭局", "情報政策局", "医政局", "労働基準局"]
DIVISIONS = ["総務課", "企画課", "調査課", "管理課", "事業課", "指導課"]
REGIONS = ["北海道", "東北", "関東", "北陸", "中部", "近畿", "中国", "四国", "九州", "沖縄"]
TOPICS = [
    (
        "採用試験受験者",
        "職員採用試験の実施及び合格者の決定",
        ["受験番号", "氏名", "生年月日", "住所", "得点", "合否の別"],
    ),
    ("健康診断結果", "健康管理及び保健指導", ["職員番号", "氏名", "生年月日", "身長", "体重", "血圧", "判定"]),
    ("年金受給者", "年金給付の適正な支給", ["基礎年金番号", "氏名", "生年月日", "住所", "年金額", "受給開始年月"]),
    ("児童手当受給者", "児童手当の支給事務", ["受給者番号", "氏名", "住所", "児童の数", "支給額"]),
    ("求職者登録", "職業紹介及び雇用施策の企画立案", ["求職番号", "氏名", "生年月日", "希望職種", "学歴", "職歴"]),
    ("家計調査世帯", "家計に関する統計の作成", ["世帯番号", "世帯主の年齢", "世帯人員", "年間収入", "支出額"]),
    ("特定健康診査", "生活習慣病の予防に関する施策の評価", ["被保険者番号", "氏名", "腹囲", "血糖", "脂質"]),
    ("保育士登録者", "保育士の登録及び登録証の交付", ["登録番号", "氏名", "生年月日", "資格取得年月日"]),
    ("行政相談受付", "行政相談の受付及び処理", ["受付番号", "氏名", "電話番号", "相談内容", "回答内容"]),
    ("電子申請利用者", "電子申請システムの利用者管理", ["利用者ID", "氏名", "メールアドレス", "最終利用日時"]),
    ("難病医療費助成", "難病の患者に対する医療費助成の実施", ["受給者番号", "氏名", "疾病名", "重症度"]),
    ("労働災害補償", "労働者災害補償保険の給付", ["請求番号", "氏名", "事業場名", "傷病名", "給付額"]),
]
SEARCH_TERMS = [
    "受験",
    "健康診断",
    "年金",
    "血圧",
    "児童",
    "ｶﾅ",
    "家計",
    "九州",
    "被保険者",
    "登録番号",
    "相談",
    "医療費",
]
BATCH = 2_000


class Command(BaseCommand):
    help = "個人情報ファイル簿の公開ページ（検索・一覧・詳細）の応答時間を、使い捨てのデータベースで計測します。"

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=100_000, help="登録する記載の数（既定 100000）")
        parser.add_argument("--requests", type=int, default=200, help="ページの種類ごとの計測回数（既定 200）")
        parser.add_argument("--seed", type=int, default=20261123)

    def handle(self, *args, **options):
        if options["entries"] < 1 or options["requests"] < 1:
            raise CommandError("--entries と --requests は1以上を指定してください。")
        self.random = random.Random(options["seed"])  # noqa: S311 - reproducible benchmark data, not secrets
        try:
            setup_test_environment()
        except RuntimeError:  # already inside a test run: its database is a throwaway one already
            old_config = None
        else:
            old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
        try:
            started = time.perf_counter()
            self._fill(options["entries"])
            fill_seconds = time.perf_counter() - started
            result = {
                "entries": options["entries"],
                "database": connection.vendor,
                "fill_seconds": round(fill_seconds, 1),
                **self._measure(options["requests"]),
            }
        finally:
            if old_config is not None:
                teardown_databases(old_config, verbosity=0)
                teardown_test_environment()
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _log(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def _fill(self, count: int) -> None:
        organizations = [
            Organization(name=f"{bureau}{division}", postal_code="100-8916", address="東京都千代田区霞が関1-2-2")
            for bureau in BUREAUS
            for division in DIVISIONS
        ]
        Organization.objects.bulk_create(organizations)
        organizations = list(Organization.objects.all())
        now = timezone.now()
        for start in range(0, count, BATCH):
            entries, items = [], []
            for number in range(start, min(start + BATCH, count)):
                topic, purpose, names = self.random.choice(TOPICS)
                region = self.random.choice(REGIONS)
                organization = self.random.choice(organizations)
                name = f"{topic}ファイル（{region}・{number:06d}）"
                if number % 50 == 0:
                    name = f"ｶﾅ氏名付き{name}"
                entry = RegisterEntry(
                    public_id=uuid.uuid4(),
                    register_number=f"B-{number:07d}",
                    name=name,
                    organization=organization,
                    purpose=f"{purpose}のために利用する。{region}ブロックに係るもの。",
                    record_scope=f"{topic}に係る者（{region}）",
                    collection_method="本人からの提出により収集した。",
                    file_type=FileType.MANUAL if number % 7 == 0 else FileType.COMPUTER,
                    contains_sensitive_information=number % 5 == 0,
                    subject_count=1_000 + number,
                    created_at=now,
                    updated_at=now,
                )
                if number % 10 == 0:
                    entry.open_for_proposals = True
                    entry.proposal_office = f"（名称）{organization.name}"
                    entry.eligibility_registered = entry.eligibility_disclosable = entry.eligibility_processable = True
                entry.search_text = (
                    "\n".join(
                        normalize_for_search(part)
                        for part in (name, entry.purpose, *names, entry.agency_name, organization.name)
                    )
                    + "\n"
                )
                entries.append(entry)
                items.extend(RecordedItem(entry=entry, position=i, name=item) for i, item in enumerate(names, start=1))
            RegisterEntry.objects.bulk_create(entries)
            RecordedItem.objects.bulk_create(items)
            self._log(f"filled {min(start + BATCH, count)}/{count}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def _timed(self, client: Client, urls: list[str]) -> list[float]:
        for url in urls[:10]:  # warm-up: connections, template caches
            client.get(url)
        timings = []
        for url in urls:
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise CommandError(f"{url} returned {response.status_code}")
        return timings

    def _measure(self, requests: int) -> dict:
        client = Client()
        list_url = reverse("registry:list")
        organizations = list(Organization.objects.values_list("name", flat=True))
        public_ids = list(RegisterEntry.objects.order_by("?").values_list("public_id", flat=True)[:requests])
        search_urls = [f"{list_url}?{urlencode({'q': self.random.choice(SEARCH_TERMS)})}" for _ in range(requests)]
        filtered_urls = [
            list_url
            + "?"
            + urlencode(
                {
                    "organization": self.random.choice(organizations),
                    "open": "true",
                    "sort": "name",
                    "page": self.random.randint(1, 3),
                }
            )
            for _ in range(requests)
        ]
        detail_urls = [reverse("registry:detail", args=[public_id]) for public_id in public_ids]
        figures = {}
        for label, urls in (("search", search_urls), ("list", filtered_urls), ("detail", detail_urls)):
            self._log(f"measuring {label}")
            timings = self._timed(client, urls)
            cuts = statistics.quantiles(timings, n=100, method="inclusive")
            figures[f"{label}_p50_ms"] = round(statistics.median(timings), 1)
            figures[f"{label}_p95_ms"] = round(cuts[94], 1)
        return figures
