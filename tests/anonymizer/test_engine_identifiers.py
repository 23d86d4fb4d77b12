import re

import pyarrow as pa
import pytest
from stdnum.jp import in_

from anonymizer.engine import anonymize, load_plan, luhn_is_valid, my_number_is_valid, scrub_array, scrub_text


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


# forms the scrubber once let through (review of issue 5, G4), each with the token it must leave
SURVIVORS = {
    "1234.5678.9018": "[個人番号等]",
    "1234/5678/9018": "[個人番号等]",
    "１２３４・５６７８・９０１８": "[個人番号等]",
    "1234_5678_9018": "[個人番号等]",
    "1234･5678･9018": "[個人番号等]",
    "1234 - 5678 - 9018": "[個人番号等]",
    "１２３４．５６７８．９０１８": "[個人番号等]",
    "１２３４／５６７８／９０１８": "[個人番号等]",
    "03(1234)5678": "[電話番号]",
    "０３（１２３４）５６７８": "[電話番号]",
    "090.1234.5678": "[電話番号]",
    "+81-90-1234-5678": "[電話番号]",
    "＋８１－９０－１２３４－５６７８": "[電話番号]",
    "+81 3 1234 5678": "[電話番号]",
    "郵便番号1000013": "郵便番号[郵便番号]",
    "郵便番号：１００－００１３": "郵便番号：[郵便番号]",
    "住所 1000013 東京都千代田区": "住所 [郵便番号] 東京都千代田区",
    "TK 1234567": "[旅券番号]",
    "ＴＫ　１２３４５６７": "[旅券番号]",
    "taro＠example．jp": "[メールアドレス]",
    "taro@example．co．jp": "[メールアドレス]",
    "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ": "[メールアドレス]",
    "一二三四五六七八九〇一八": "[番号]",
}


@pytest.mark.parametrize("form", list(SURVIVORS))
def test_each_form_that_survived_is_deleted_the_same_scalar_and_vectorised(form):
    text = f"連絡：{form} 以上"

    scalar = scrub_text(text)
    vectorised = scrub_array(pa.array([text, None], pa.large_string()))

    assert scalar == f"連絡：{SURVIVORS[form]} 以上"
    assert vectorised.values.to_pylist() == [scalar, None]


@pytest.mark.parametrize(
    "text",
    [
        "2024/01/01 受付、2024年1月1日、令和6年4月1日に来庁",
        "金額 1,234,567円、予算 1,234,567,890円",
        "身長170cm 体重65.5kg、点数 80/75/90",
        "期間 2024-01-01～2024-03-31",
        "No.1234567 を参照",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert scrub_text(text) == text
    assert scrub_array(pa.array([text])).values.to_pylist() == [text]


def test_phone_separators_do_not_turn_a_day_first_date_into_a_phone_number():
    assert scrub_text("05/12/2024 来庁") == "05/12/2024 来庁"
    assert scrub_text("050.1234.5678") == "[電話番号]"


LEFTOVER_REASON = re.compile(r'^出力に個人識別符号等のパターンが [0-9]+ 件残っています（列 "備考"）$')


def _with_remarks(table: pa.Table, remarks: list[str]) -> pa.Table:
    column = pa.array([remarks[i % len(remarks)] for i in range(table.num_rows)], pa.large_string())
    return table.set_column(table.schema.get_field_index("備考"), "備考", column)


def test_pipeline_deletes_every_form_inside_free_text_and_leaves_nothing(admin_table, bench_plan, secrets):
    remarks = [f"{i}件目の連絡：{form} 以上" for i, form in enumerate(SURVIVORS)]
    table = _with_remarks(admin_table, remarks)

    result = anonymize(table, load_plan(bench_plan), secrets)

    out = result.table["備考"].tolist()
    expected = {f"{i}件目の連絡：{token} 以上" for i, token in enumerate(SURVIVORS.values())}
    assert set(out) == expected
    assert not any(form in text for form in SURVIVORS for text in out)
    assert result.report["identifiers"]["leftover_total"] == 0
    assert result.report["compliance"]["compliant"] is True


@pytest.mark.parametrize("role", ["free_text", "attribute"])
def test_pipeline_reports_identifiers_left_in_a_column_it_does_not_scrub(admin_table, bench_plan, secrets, role):
    remarks = [f"連絡：{form} 以上" for form in SURVIVORS]
    bench_plan["columns"][-1] = {"name": "備考", "role": role, "steps": [{"op": "keep"}]}

    report = anonymize(_with_remarks(admin_table, remarks), load_plan(bench_plan), secrets).report

    leftover = report["identifiers"]["leftover"]
    assert set(leftover) == {"備考"}
    assert set(leftover["備考"]) == {"my_number", "digit_sequence", "postal_code", "email"}
    assert report["identifiers"]["leftover_total"] == sum(leftover["備考"].values()) > admin_table.num_rows / 2
    assert report["compliance"]["compliant"] is False
    reasons = report["compliance"]["standards"]["② 個人識別符号の削除"]["reasons"]
    assert sum(bool(LEFTOVER_REASON.match(r)) for r in reasons) == 1
    if role == "attribute":
        assert len(reasons) == 1


def test_pipeline_ordinary_remarks_are_kept_and_pass(admin_table, bench_plan, secrets):
    remarks = [
        "2024/01/01 10:30 来庁",
        "予算 1,234,567,890円",
        "身長170cm、点数 80/75/90/65/70",
        "2024-01-01～2024-03-31",
    ]

    result = anonymize(_with_remarks(admin_table, remarks), load_plan(bench_plan), secrets)

    assert set(result.table["備考"]) == set(remarks)
    assert result.report["identifiers"]["leftover_total"] == 0
    assert result.report["compliance"]["compliant"] is True


@pytest.mark.parametrize(
    "text",
    [
        "個人番号 1234.5678.9018 / 1234 - 5678 - 9018 / 1234-5678-9018-1234",
        "電話 03(1234)5678、090.1234.5678 / +81-90-1234-5678",
        "番号 12345678901234567890123",
        "4111 1111 1111 1111 と 1234/5678/9018",
    ],
)
def test_identifiers_listed_together_are_each_deleted_whole(text):
    out = scrub_text(text, mode="pseudonymized")
    assert not re.search("[0-9０-９]", out)
    assert scrub_array(pa.array([text]), mode="pseudonymized").values.to_pylist() == [out]
