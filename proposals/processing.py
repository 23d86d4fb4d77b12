"""The processing method a proposer asks for (法112条2項4号), item by item, as structured data.

Stored on Proposal.processing_request; screening (criterion ③) and the anonymizer read it:

    {"items": [{"item": 12, "name": "氏名", "action": "delete"},
               {"item": 15, "name": "住所", "action": "generalize", "level": "prefecture"},
               {"item": 19, "name": "得点", "action": "top_code", "threshold": 90}],
     "records": {"selection": "sample", "sample_rate": 0.1}}
"""

from proposals.enums import GeneralizationLevel, ItemAction, RecordSelection


def processing_problems(request: dict, items: list) -> list[str]:
    """Japanese messages for everything missing or wrong in `request` against the entry's `items`."""
    problems = []
    by_id = {entry.get("item"): entry for entry in request.get("items", []) if isinstance(entry, dict)}
    for item in items:
        entry = by_id.get(item.pk)
        if entry is None or entry.get("action") not in ItemAction.values:
            problems.append(f"記録項目「{item.name}」の加工の方法を選んでください。")
            continue
        action = entry["action"]
        if action == ItemAction.GENERALIZE and entry.get("level") not in GeneralizationLevel.values:
            problems.append(f"記録項目「{item.name}」をどの単位に一般化するかを選んでください。")
        if action in (ItemAction.TOP_CODE, ItemAction.BOTTOM_CODE) and not isinstance(
            entry.get("threshold"), int | float
        ):
            problems.append(f"記録項目「{item.name}」のトップ（ボトム）コーディングの値を入力してください。")
    unknown = set(by_id) - {item.pk for item in items}
    if unknown:
        problems.append("個人情報ファイルの記録項目にない項目が含まれています。画面を更新してやり直してください。")
    records = request.get("records", {})
    selection = records.get("selection")
    if selection not in RecordSelection.values:
        problems.append("対象とするレコード（全件・抽出・条件指定）を選んでください。")
    elif selection == RecordSelection.SAMPLE and not (0 < (records.get("sample_rate") or 0) < 1):
        problems.append("抽出率は0より大きく1より小さい値（例: 0.1）で入力してください。")
    elif selection == RecordSelection.SUBSET and not (records.get("condition") or "").strip():
        problems.append("対象とするレコードの条件を入力してください。")
    return problems


def describe(request: dict) -> list[tuple[str, str]]:
    """(item name, how it is processed) in Japanese, for receipts, screening and the register."""
    rows = []
    for entry in request.get("items", []):
        action = ItemAction(entry["action"])
        if action == ItemAction.GENERALIZE and entry.get("level") in GeneralizationLevel.values:
            detail = f"{action.label}：{GeneralizationLevel(entry['level']).label}"
        elif action in (ItemAction.TOP_CODE, ItemAction.BOTTOM_CODE):
            detail = f"{action.label}：{entry.get('threshold')}"
        else:
            detail = action.label
        rows.append((entry.get("name", ""), detail))
    return rows


def describe_records(request: dict) -> str:
    """Which records are wanted, in Japanese (全件 / 無作為抽出（抽出率 0.1） / 条件: …)."""
    records = request.get("records", {})
    selection = records.get("selection")
    if selection not in RecordSelection.values:
        return "－"
    label = RecordSelection(selection).label
    if selection == RecordSelection.SAMPLE:
        return f"{label}（抽出率 {records.get('sample_rate')}）"
    if selection == RecordSelection.SUBSET:
        return f"{label}（{records.get('condition', '')}）"
    return label
