"""How a plan's column is processed, in Japanese: for the register's 概要 (法117), the label and staff."""

_ADDRESS = {"prefecture": "都道府県単位に置換え", "municipality": "市区町村単位に置換え"}
_DATE = {"year": "年単位に置換え", "year_month": "年月単位に置換え", "fiscal_year": "年度単位に置換え"}


def describe_step(step: dict) -> str:
    op = step.get("op")
    if op == "generalize":
        method = step.get("method")
        if method == "address":
            return _ADDRESS.get(step.get("level"), "一般化")
        if method == "date":
            return _DATE.get(step.get("level"), "一般化")
        if method == "bands":
            return f"{step.get('width')}単位の階級に置換え"
        if method == "hierarchy":
            return "階層に従って一般化"
        return "一般化"
    if op == "top_code":
        return f"{step.get('threshold')}{step.get('unit', '')}以上をまとめる（トップコーディング）"
    if op == "bottom_code":
        return f"{step.get('threshold')}{step.get('unit', '')}以下をまとめる（ボトムコーディング）"
    return {
        "keep": "",
        "rare_categories": "件数の少ない値をまとめる又は削除",
        "pseudonymize": "仮ID（提供ごとの鍵による）に置換え",
        "scrub_identifiers": "個人識別符号等を削除",
        "suppress_cells": "該当する値を削除",
        "microaggregate": "ミクロアグリゲーション",
        "swap": "データ交換（スワップ）",
        "noise": "ノイズの付加",
    }.get(op, op or "")


def describe_column(column: dict) -> str:
    """「都道府県単位に置換え、…」; empty when the values are provided as they are."""
    parts = [text for text in (describe_step(step) for step in column.get("steps", [])) if text]
    return "、".join(dict.fromkeys(parts))
