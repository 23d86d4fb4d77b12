"""The leftover check (issue 5, standard ②): finds what the scrubber missed, and only that."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from stdnum.jp import in_

from anonymizer.engine import identifiers, scan_array, scrub_array
from anonymizer.engine.generalize import format_numbers
from anonymizer.engine.leftover import my_number_check_digit_ok

# forms the scrubber once let through, as the leftover check must report them if it ever does again
MISSED = {
    "1234.5678.9018": {"my_number": 1},
    "1234/5678/9018": {"my_number": 1},
    "１２３４・５６７８・９０１８": {"my_number": 1},
    "1234_5678_9018": {"my_number": 1},
    "1234･5678･9018": {"my_number": 1},
    "1234 - 5678 - 9018": {"my_number": 1},
    "一二三四五六七八九〇一八": {"my_number": 1},
    "123 456 789 018": {"my_number": 1},  # 3-3-3-3 with a right check digit
    "1234-5678-9012": {"digit_sequence": 1},  # wrong check digit: still ten digits or more
    "03(1234)5678": {"digit_sequence": 1},
    "090.1234.5678": {"digit_sequence": 1},
    "+81-90-1234-5678": {"digit_sequence": 1},
    "０３ （１２３４） ５６７８": {"digit_sequence": 1},
    "郵便番号1000013": {"postal_code": 1},
    "〒１００－００１３": {"postal_code": 1},
    "taro＠example．jp": {"email": 1},
    "たろう@example.jp": {"email": 1},
    "taro (at) example.co.jp": {"email": 1},
}

ORDINARY = [
    "2024年1月1日に来庁",
    "2024/01/01",
    "令和6年4月1日",
    "R06.04.01",
    "1,234,567円",
    "予算 1,234,567,890円",
    "身長170cm 体重65.5kg",
    "点数 80/75/90/65/70",
    "170 165 180 175",
    "2024/01/01 10:30",
    "01/02/2024 09:15 受付",
    "2024-01-01～2024-03-31",
    "2024/01/01-2024/03/31",
    "2024/01/01 2024/02/02 2024/03/03",
    "受付 2024/4/1 14:00〜15:30 1階",
    "2024-01-01T10:30:00.123456789+09:00",
    "57.23456789012345",
    "2020、2021、2022年度",
    "第1、2、3、4、5、6、7、8、9、10条",
    "単価@100.5円、会議@本庁",
    "1980～1989",
    "90以上",
    "150cm以上",
    "[電話番号] [個人番号等] [メールアドレス] [郵便番号] [番号] [旅券番号] [保険証の符号]",
    "郵便番号 [郵便番号]",
    "",
]


@pytest.mark.parametrize("form", list(MISSED))
def test_a_form_the_scrubber_missed_is_reported(form):
    assert scan_array(pa.array([f"備考：{form}です"])) == MISSED[form]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_not_reported(text):
    assert scan_array(pa.array([text, None])) == {}


def test_numeric_and_date_columns_are_not_reported():
    rng = np.random.default_rng(0)
    floats = format_numbers(rng.normal(50, 10, 5000))
    stamps = pc.strftime(pa.array(rng.integers(0, 10**9, 5000).astype("datetime64[s]")), "%Y/%m/%d %H:%M:%S")
    assert scan_array(floats) == {}
    assert scan_array(stamps) == {}


def test_the_check_does_not_use_the_scrubbers_patterns(monkeypatch):
    monkeypatch.setattr(identifiers, "PATTERNS", ())
    assert scan_array(pa.array(["個人番号 1234-5678-9018", "taro@example.jp"])) == {"my_number": 1, "email": 1}


def test_a_miss_of_the_scrubber_is_noticed():
    text = pa.array(["電話 03-1234-5678、個人番号 1234-5678-9018、taro@example.jp"])
    partly = scrub_array(text, kinds=["email", "phone"]).values
    assert partly.to_pylist() == ["電話 [電話番号]、個人番号 1234-5678-9018、[メールアドレス]"]
    assert scan_array(partly) == {"my_number": 1}
    assert scan_array(scrub_array(text).values) == {}


def test_every_occurrence_counts_and_a_dictionary_counts_each_row():
    arr = pa.array(["03-1234-5678 と 03-1234-5679", "特記事項なし", None, "03-1234-5678 と 03-1234-5679"])
    assert scan_array(arr) == {"digit_sequence": 4}
    assert scan_array(pc.dictionary_encode(arr)) == {"digit_sequence": 4}
    assert scan_array(pa.chunked_array([arr.slice(0, 2), arr.slice(2)])) == {"digit_sequence": 4}


def test_check_digit_agrees_with_stdnum():
    rng = np.random.default_rng(1)
    digits = rng.integers(0, 10, (2000, 12))
    expected = [in_.is_valid("".join(map(str, row))) for row in digits]
    assert my_number_check_digit_ok(digits).tolist() == expected
    assert any(expected) and not all(expected)
