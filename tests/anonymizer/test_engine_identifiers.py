import pyarrow as pa
import pytest
from stdnum.jp import in_

from anonymizer.engine import luhn_is_valid, my_number_is_valid, scan_array, scrub_array, scrub_text


def test_my_number_check_digit_agrees_with_stdnum():
    numbers = [f"{n:011d}" for n in (12345678901, 98765432109, 11111111111, 2024040100)]
    for first in numbers:
        for check in range(10):
            assert my_number_is_valid(first + str(check)) == in_.is_valid(first + str(check))


def test_scrub_my_number_inside_remark_removed():
    out = scrub_array(pa.array(["本人の個人番号は1234-5678-9018です"], pa.large_string()))
    assert out.values.to_pylist() == ["本人の個人番号は[個人番号等]です"]
    assert out.counts["my_number"] == 1
    assert out.my_number_invalid == 0


def test_scrub_twelve_digits_wrong_check_digit_removed_and_counted():
    out = scrub_array(pa.array(["番号123456789012を控えた"], pa.large_string()))
    assert out.values.to_pylist() == ["番号[個人番号等]を控えた"]
    assert out.my_number_invalid == 1


def test_scrub_fullwidth_digits_and_contacts():
    text = "電話０９０－１２３４－５６７８、mail: taro@example.jp、〒100-8914、旅券TK1234567"
    assert scrub_text(text) == "電話[電話番号]、mail: [メールアドレス]、[郵便番号]、旅券[旅券番号]"


def test_scrub_vectorised_equals_scalar():
    texts = ["保険者番号：12345678", "カード 4111 1111 1111 1111", "password: hunter2", "特記事項なし"]
    out = scrub_array(pa.array(texts, pa.large_string()), mode="pseudonymized").values.to_pylist()
    assert out == [scrub_text(t, mode="pseudonymized") for t in texts]
    assert out[1] == "カード [カード番号等]"
    assert out[2] == "password: [認証情報]"


def test_luhn_card_number():
    assert luhn_is_valid("4111-1111-1111-1111")
    assert not luhn_is_valid("4111-1111-1111-1112")


def test_scan_finds_leftover_and_not_tokens():
    arr = pa.array(["[電話番号] に連絡", "03-1234-5678 に連絡"], pa.large_string())
    assert scan_array(arr) == {"phone": 1}


@pytest.mark.parametrize(
    "text",
    ["被保険者証 記号 1234 番号５６７８ を確認", "保険証 記号12-34 番号 5678", "記号：０１２３　番号：４５６７"],
)
def test_both_parts_of_an_insurance_card_symbol_and_number_are_deleted(text):
    scalar = scrub_text(text)
    vectorised = scrub_array(pa.array([text]))

    assert scalar.count("[保険証の符号]") == 2
    assert not any(ch.isdigit() for ch in scalar)
    assert vectorised.values.to_pylist() == [scalar]
    assert vectorised.counts["health_insurance"] == 2
