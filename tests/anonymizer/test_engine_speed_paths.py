"""The fast paths give the same results as the definitions they replace (issue 5 performance work)."""

import hashlib
import hmac
import os
import random
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from anonymizer.engine import ProcessingSecrets, load_plan, pseudonymize_array, scan_array, scrub_array, scrub_text
from anonymizer.engine.address import HEAD_CHARS, _parse, parse_addresses
from anonymizer.engine.identifiers import PATTERNS, combined_regex
from anonymizer.engine.io import open_source
from anonymizer.engine.kanon import distinct_per_class
from anonymizer.engine.pseudonym import hmac_sha256_hex
from anonymizer.engine.report import MAX_TRACKED_VALUES, Distributions
from anonymizer.engine.steps import StepStats, apply_row_steps, repeated_dictionary, row_steps

VALUES = ["J0001", "", "ＩＤ０１", "山田太郎", "x" * 70, "改\n行", *[f"ID{i:07d}" for i in range(140_000)]]


def _reference(key: bytes, values: list[str], length: int = 64) -> list[str]:
    return [hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()[:length] for v in values]


@pytest.mark.parametrize(
    "key",
    [
        ProcessingSecrets.generate().key("pseudonym"),  # text key: the plugin's own HMAC
        bytes(range(256))[128:160],  # raw bytes that are not UTF-8: HMAC from its two SHA-256 passes
        os.urandom(100),  # longer than a block: hashed first, as the HMAC definition says
    ],
    ids=["generated-text-key", "binary-key", "long-key"],
)
def test_vectorised_hmac_equals_python_hmac(key):
    sample = [*VALUES[:6], *VALUES[6::9973]]
    out = hmac_sha256_hex(pa.array(VALUES, pa.large_string()), key).to_pylist()
    assert [out[VALUES.index(v)] for v in sample] == _reference(key, sample)
    assert len(out) == len(VALUES)


def test_pseudonymize_array_is_truncated_hmac_of_normalised_value():
    key = os.urandom(32)
    ids = pa.array(["ID01 ", "ＩＤ０１", None, "ID02"] * 30_000)
    out, originals, names = pseudonymize_array(ids, key, length=32)
    assert out.to_pylist()[:4] == [*_reference(key, ["ID01", "ID01"], 32), None, *_reference(key, ["ID02"], 32)]
    assert dict(zip(originals.to_pylist(), names.to_pylist(), strict=True)) == dict(
        zip(["ID01", "ID02"], _reference(key, ["ID01", "ID02"], 32), strict=True)
    )


def test_generated_keys_are_text_of_256_bits_and_differ():
    a, b = ProcessingSecrets.generate(), ProcessingSecrets.generate()
    key = a.key("pseudonym")
    assert len(key) == 43 and key.decode("ascii").isascii()
    assert key != b.key("pseudonym")
    assert ProcessingSecrets.from_dict(a.to_dict()).key("pseudonym") == key


TEXTS = [
    "電話 090-1234-5678 に連絡済み",
    "電話０９０－１２３４－５６７８",
    "(03)1234-5678",
    "０３ー１２３４ー５６７８",
    "個人番号1234-5678-9018を確認",
    "個人番号１２３４　５６７８　９０１８",
    "番号123456789012を控えた",
    "メール taro.yamada+1@example.co.jp へ",
    "ｍａｉｌ ｔａｒｏ＠example.jp",
    "〒100-8914 宛",
    "〒１００－８９１４",
    "100-8914",
    "保険者番号：12345678",
    "被保険者証 記号 1234 番号５６７８",
    "基礎年金番号 1234-567890",
    "在留カード AB12345678CD",
    "旅券TK1234567",
    "カード 4111 1111 1111 1111",
    "4111111111111111",
    "12345678901234567890123",
    "受付 20240101 に",
    "password: hunter2",
    "パスワード＝ａｂｃ１２３、以上",
    "ログインID:taro01 pw:xyz",
    "password:　hunter2",
    "特記事項なし",
    "",
    "令和6年4月1日に来庁",
    "電話 090-1234-5678 と 個人番号 1234-5678-9018 と 〒100-8914",
    "ユーザID = taro 暗証番号:0000",
    "個人番号 1234.5678.9018 / 1234 - 5678 - 9018 / １２３４・５６７８・９０１８ / 1234_5678_9018",
    "電話 03(1234)5678、090.1234.5678、+81-90-1234-5678、＋８１ ３ １２３４ ５６７８、0120-123-456",
    "郵便番号1000013 住所：東京都 1000013、現住所 100 0013 宛",
    "旅券 TK 1234567、ＴＫ－１２３４５６７",
    "メール taro＠example．jp、hanako (at) example.co.jp",
    "一二三四五六七八九〇一八",
    "05/12/2024 来庁、No.1234567",
]


@pytest.mark.parametrize("mode", ["anonymized", "pseudonymized"])
def test_one_pass_scrub_equals_scalar_patterns_in_order(mode):
    values = pa.array([*TEXTS, None] * 3, pa.large_string())
    res = scrub_array(values, mode=mode)
    assert res.values.to_pylist() == [*(scrub_text(t, mode=mode) for t in TEXTS), None] * 3
    joined = "".join(v for v in res.values.to_pylist() if v)
    for pat in PATTERNS:
        if mode in pat.modes and pat.kind != "long_number":
            assert res.counts[pat.kind] == joined.count(pat.token), pat.kind
    assert res.counts["long_number"] == joined.count("[番号]")
    assert res.my_number_invalid == 3  # 123456789012 has a wrong check digit; 1234-5678-9018 a right one


def test_scrub_vectorised_equals_scalar_on_random_mixtures():
    # digits, separators, brackets and keywords mixed at random: Rust's regex and Python's re must agree
    rnd = random.Random(5)
    atoms = [*"0123456789" * 4, *"０１２３４５６７８９-.／/・･_ 　()（）+＋@＠〒ー－", "TK", "ab", "住所", "郵便番号"]
    atoms += ["記号", "番号", "保険者番号", "password:", "example", ".jp", "一二三", "〇"]
    texts = ["".join(rnd.choice(atoms) for _ in range(rnd.randint(1, 40))) for _ in range(3000)]
    out = scrub_array(pa.array(texts, pa.large_string()), mode="pseudonymized").values.to_pylist()
    assert out == [scrub_text(t, mode="pseudonymized") for t in texts]


def test_merged_regex_catches_every_identifier_type_with_fullwidth_digits():
    samples = {
        "email": "ｍａｉｌ: taro＠example.jp",
        "card_number": "４１１１ １１１１ １１１１ １１１１",
        "long_number": "１２３４５６７８９",
        "my_number": "１２３４－５６７８－９０１８",
        "phone": "０９０－１２３４－５６７８",
        "basic_pension_number": "１２３４－５６７８９０",
        "residence_card": "ＡＢ１２３４５６７８ＣＤ",
        "passport": "ＴＫ１２３４５６７",
        "postal_code": "〒１００－８９１４",
        "health_insurance": "保険者番号：１２３４５６７８",
        "credentials": "パスワード：ｈｕｎｔｅｒ２",
    }
    combined = re.compile(combined_regex(list(PATTERNS)))
    for kind, text in samples.items():
        assert combined.search(text), kind
        out = scrub_array(pa.array([text], pa.large_string()), mode="pseudonymized")
        assert out.counts[kind] >= 1, kind
        assert not re.search("[0-9０-９]", out.values[0].as_py()), kind


def test_scan_counts_leftovers_and_ignores_tokens():
    arr = pa.array(["[電話番号] に連絡", "03-1234-5678 に連絡", "password: [認証情報]", None], pa.large_string())
    assert scan_array(arr) == {"digit_sequence": 1}
    assert scan_array(pc.dictionary_encode(arr)) == {"digit_sequence": 1}
    scrubbed = scrub_array(pa.array(TEXTS, pa.large_string()), mode="pseudonymized").values
    assert scan_array(scrubbed) == {}


def test_address_head_before_first_digit_same_as_first_24_characters():
    values = pa.array(
        [
            "東京都1-2港区芝",
            " 北海道札幌市中央区北1条西2丁目",
            "三重県四日市市諏訪町1-5",
            "大阪府１２３町",
            None,
            "",
            "どこか1",
            "長野県北佐久郡1軽井沢町",
            "東京都町田市森野２丁目",
            "京都府京都市下京区烏丸通七条下る東塩小路町721",
            "神奈川県足柄上郡中井町比奈窪56",
        ]
        * 2,
        pa.large_string(),
    )
    heads = pc.dictionary_encode(pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(values), 0, HEAD_CHARS))
    old_pref, old_muni = (a.take(heads.indices) for a in _parse(heads.dictionary))
    pref, muni = parse_addresses(values)
    assert pref.to_pylist() == old_pref.to_pylist()
    assert muni.to_pylist() == old_muni.to_pylist()


def test_value_wise_steps_once_per_distinct_value_same_result():
    plan = load_plan(
        {
            "plan_version": 1,
            "columns": [
                {
                    "name": "生年月日",
                    "role": "quasi_identifier",
                    "steps": [
                        {"op": "generalize", "method": "date", "level": "year"},
                        {"op": "generalize", "method": "bands", "width": 10},
                    ],
                },
                {
                    "name": "身長",
                    "role": "quasi_identifier",
                    "type": "integer",
                    "steps": [{"op": "top_code", "threshold": 190, "unit": "cm"}],
                },
            ],
        }
    )
    rng = np.random.default_rng(3)
    dates = pa.array(
        [
            f"{y}-0{m}-1{d}"
            for y, m, d in zip(
                rng.integers(1920, 2020, 40_000), rng.integers(1, 9, 40_000), rng.integers(0, 9, 40_000), strict=True
            )
        ]
        + [None, "不明"]
    )
    heights = pa.array([str(h) for h in rng.integers(120, 200, 40_002)])
    for name, arr in (("生年月日", dates), ("身長", heights)):
        col = plan.column(name)
        kw = {
            "row_index": np.arange(len(arr)),
            "secrets": ProcessingSecrets({"pseudonym": b"k" * 32}, 1),
            "stats": StepStats(),
            "mode": "anonymized",
            "suppressed": "*",
        }
        enc = repeated_dictionary(arr)
        assert enc is not None
        fast = apply_row_steps(enc, col, row_steps(col), dedup=True, **kw)
        slow = apply_row_steps(arr, col, row_steps(col), **kw)
        assert pa.types.is_dictionary(fast.type)
        assert fast.to_pylist() == slow.to_pylist()


def test_repeated_dictionary_skips_distinct_values():
    assert repeated_dictionary(pa.array([f"東京都千代田区{i}" for i in range(50_000)])) is None


def test_polars_csv_reader_same_table_as_arrow_reader(tmp_path):
    cases = {
        "a.csv": b'\xef\xbb\xbfa,b,c\r\n001,"x\r\ny",\r\n"",  z ,"q""q"\r\n',
        "b.csv": '氏名,住所\n山田,"東京都,千代田区"\n,ー\n'.encode(),
        "c.csv": b"a,b\n",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        src = open_source(path)
        fast = next(src.batches())
        src._polars_csv = lambda columns: None
        assert fast.equals(next(src.batches())), name
        assert fast.schema.field(0).type == pa.large_string()


def test_distinct_per_class_bitmap_equals_sort():
    rng = np.random.default_rng(5)
    ids, sens = rng.integers(0, 500, 20_000), rng.integers(0, 7, 20_000)
    expected = np.bincount(np.unique(ids * 7 + sens) // 7, minlength=500)
    assert (distinct_per_class(ids, 500, sens) == expected).all()


def test_distributions_too_many_values_not_listed():
    dist = Distributions(["id"])
    dist.add("id", pa.array([str(i) for i in range(MAX_TRACKED_VALUES + 1)]))
    assert "id" in dist.too_many
    assert dist.summary("id", 10)["top"] == []


def test_optimizer_pruned_search_finds_the_exhaustive_optimum():
    import itertools

    from anonymizer.engine import optimize

    rng = np.random.default_rng(9)
    n = 3_000
    ages = [str(a) for a in range(20, 80)]
    hier = {
        "age": {a: [f"{int(a) // 5 * 5}s", f"{int(a) // 20 * 20}s", "*"] for a in ages},
        "sex": {"M": ["*"], "F": ["*"]},
        "zip": {z: [z[:3], z[:2], "*"] for z in [f"{i:05d}" for i in range(10_000, 10_060)]},
    }
    table = pa.table(
        {"age": rng.choice(ages, n), "sex": rng.choice(["M", "F"], n), "zip": rng.choice(sorted(hier["zip"]), n)}
    )
    for k, limit in ((5, 0.05), (10, 0.01), (3, 0.0)):
        res = optimize(table, hier, k, limit, local_recoding=False)
        best = None
        for levels in itertools.product(range(4), range(2), range(4)):
            cols = []
            for name, level in zip(["age", "sex", "zip"], levels, strict=True):
                values = table.column(name).to_pylist()
                cols.append([v if level == 0 else hier[name][v][level - 1] for v in values])
            keys = list(zip(*cols, strict=True))
            sizes = {key: keys.count(key) for key in set(keys)}
            small = [sizes[key] < k for key in keys]
            if sum(small) > int(np.floor(limit * n)):
                continue
            loss = 0.0
            for name, level in zip(["age", "sex", "zip"], levels, strict=True):
                leaves = {}
                for path in hier[name].values():
                    if level:
                        leaves[path[level - 1]] = leaves.get(path[level - 1], 0) + 1
                domain = len(hier[name])
                for v, s in zip(table.column(name).to_pylist(), small, strict=True):
                    loss += 1.0 if s else ((leaves[hier[name][v][level - 1]] - 1) / (domain - 1) if level else 0.0)
            loss /= 3 * n
            if best is None or loss < best[0] - 1e-12:
                best = (loss, levels)
        assert res.loss == pytest.approx(best[0], abs=1e-9)
        assert tuple(res.levels[name] for name in ["age", "sex", "zip"]) == best[1]


def test_polars_chunked_reader_same_rows_as_arrow_reader(tmp_path):
    rng = np.random.default_rng(2)
    texts = ["普通", "改\n行", '引用"符', "カンマ,入り", "", "  空白 ", "x\r\ny"]

    def quoted(v):
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n\r') else v

    lines = [f"{i:05d},{quoted(texts[rng.integers(len(texts))])}\r\n" for i in range(3_000)]
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("id,text\r\n" + "".join(lines)).encode())
    whole = next(open_source(path).batches(["text", "id"]))
    for chunk in (1, 7, 1_000):
        fast = list(open_source(path, chunk_rows=chunk).batches(["text", "id"]))
        arrow = open_source(path, chunk_rows=chunk)
        arrow.encoding = "utf8"  # the Arrow streaming reader
        assert pa.concat_tables(fast).equals(pa.concat_tables(list(arrow.batches(["text", "id"]))))
        assert pa.concat_tables(fast).equals(whole)
        assert len(fast) == -(-3_000 // chunk)


def test_chunked_reader_ragged_file_japanese_error(tmp_path):
    from anonymizer.engine import InputError

    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n1,2\n3,4,5\n")
    with pytest.raises(InputError, match="読み取れません"):
        list(open_source(path, chunk_rows=1).batches())
