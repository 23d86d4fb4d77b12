import pyarrow as pa

from anonymizer.engine import pseudonymize_array
from anonymizer.engine.address import generalize_address
from anonymizer.engine.generalize import generalize_bands, generalize_date, top_code

ADDRESSES = [
    "東京都千代田区霞が関1-2-3",
    "北海道札幌市中央区北1条西2丁目",
    "神奈川県足柄上郡中井町比奈窪56",
    "京都府京都市下京区烏丸通七条下る東塩小路町",
    "三重県四日市市諏訪町1-5",
    "奈良県大和郡山市北郡山町248",
]


def test_address_prefecture_real_addresses():
    out = generalize_address(pa.array(ADDRESSES), "prefecture").to_pylist()
    assert out == ["東京都", "北海道", "神奈川県", "京都府", "三重県", "奈良県"]


def test_address_municipality_real_addresses():
    out = generalize_address(pa.array(ADDRESSES), "municipality").to_pylist()
    assert out == [
        "東京都千代田区",
        "北海道札幌市",
        "神奈川県足柄上郡中井町",
        "京都府京都市",
        "三重県四日市市",
        "奈良県大和郡山市",
    ]


def test_address_unparsable_suppressed_not_passed_through():
    assert generalize_address(pa.array(["どこか遠く1-2-3"]), "prefecture").to_pylist() == ["*"]


def test_top_code_age_116_becomes_90_or_more():
    out = top_code(pa.array(["116", "45", "90"]), 90).to_pylist()
    assert out == ["90以上", "45", "90以上"]


def test_top_code_child_170cm_becomes_150cm_or_more():
    assert top_code(pa.array(["170", "132"]), 150, unit="cm").to_pylist() == ["150cm以上", "132"]


def test_bands_keep_top_code_label():
    coded = top_code(pa.array(["116", "23"]), 90)
    assert generalize_bands(coded, 5).to_pylist() == ["90以上", "20～24"]


def test_date_year_month_and_wareki():
    out = generalize_date(pa.array(["1980-03-01", "昭和55年3月1日", "1980/3/1", "不明"]), "year_month").to_pylist()
    assert out == ["1980-03", "1980-03", "1980-03", "*"]


def test_pseudonyms_two_recipients_not_joinable():
    ids = pa.array(["J001", "J002", "J001"])
    a, _, _ = pseudonymize_array(ids, b"a" * 32)
    b, _, _ = pseudonymize_array(ids, b"b" * 32)
    a, b = a.to_pylist(), b.to_pylist()
    assert a[0] == a[2]
    assert set(a).isdisjoint(b)


def test_pseudonym_is_hmac_sha256_prefix():
    import hmac

    out, _, _ = pseudonymize_array(pa.array(["J001"]), b"k" * 32)
    assert out.to_pylist() == [hmac.digest(b"k" * 32, b"J001", "sha256").hex()[:24]]
