"""Disqualification grounds (欠格事由, 法113): what the proposer declares and what the portal knows.

The portal checks itself what it can: age on the submission date (adulthood at 18, 民法4条) and
contract cancellations or sentences recorded within the past two years (法113条4号・5号), matched by
法人番号 or by name and date of birth; for a corporation, each officer too (6号).
"""

import datetime
import unicodedata
from dataclasses import dataclass

from django.db.models import Q

from portal.jdates import wareki
from proposals import rules
from proposals.enums import DisqualificationGround as G
from proposals.models import DisqualificationRecord, Proposer

# Grounds each kind of person declares against (法113各号).
INDIVIDUAL_GROUNDS = (G.MINOR, G.MENTAL_IMPAIRMENT, G.BANKRUPT, G.SENTENCE, G.CANCELLATION)
CORPORATION_GROUNDS = (G.SENTENCE, G.CANCELLATION, G.OFFICER)


@dataclass(frozen=True)
class Finding:
    ground: G
    person: str
    until: datetime.date | None  # the last day the ground applies, when known

    @property
    def message(self) -> str:
        subject = self.person
        if self.until:
            return (
                f"{subject}が欠格事由（{self.ground.label}）に該当するため、"
                f"{wareki(self.until)}までは提案をすることができません（個人情報保護法第113条）。"
            )
        return (
            f"{subject}が欠格事由（{self.ground.label}）に該当すると申告されているため、"
            "提案をすることができません（個人情報保護法第113条）。"
        )


def _same_name(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())

    return norm(a) == norm(b)


def _records(on_date: datetime.date):
    earliest_event = on_date - datetime.timedelta(days=366 * rules.DISQUALIFICATION_YEARS + 1)
    return DisqualificationRecord.objects.filter(event_date__gte=earliest_event, event_date__lte=on_date)


def _recorded(label: str, *, name: str, on_date, corporate_number: str = "", date_of_birth=None) -> list[Finding]:
    """Findings from recorded cancellations/sentences still within their two years, for the person
    called `name` (shown as `label`), matched by 法人番号 or by name and date of birth."""
    match = Q(pk__in=[])
    if corporate_number:
        match |= Q(corporate_number=corporate_number)
    if date_of_birth:
        match |= Q(date_of_birth=date_of_birth)
    findings = []
    for record in _records(on_date).filter(match):
        same_body = bool(corporate_number) and record.corporate_number == corporate_number
        if (same_body or _same_name(record.name, name)) and record.ends_on > on_date:
            findings.append(Finding(G(record.ground), label, record.ends_on - datetime.timedelta(days=1)))
    return findings


def _minor(person_name: str, date_of_birth, on_date) -> list[Finding]:
    adult_from = rules.adulthood_date(date_of_birth)
    if adult_from > on_date:
        return [Finding(G.MINOR, person_name, adult_from - datetime.timedelta(days=1))]
    return []


def _declared(person_name: str, answers: dict, grounds) -> list[Finding]:
    return [Finding(G(ground), person_name, None) for ground in grounds if answers.get(ground) is True]


def disqualification_findings(*, proposer: Proposer, declarations: dict, on_date: datetime.date) -> list[Finding]:
    """Every ground that stops `proposer` from proposing on `on_date` (empty when none)."""
    findings: list[Finding] = []
    if proposer.is_corporation:
        findings += _declared(proposer.name, declarations.get("proposer", {}), CORPORATION_GROUNDS)
        findings += _recorded(
            proposer.name, name=proposer.name, on_date=on_date, corporate_number=proposer.corporate_number
        )
        for officer in proposer.officers.all():
            label = f"役員（{officer.title} {officer.name}）"
            answers = declarations.get("officers", {}).get(str(officer.pk), {})
            officer_findings = (
                _declared(label, answers, INDIVIDUAL_GROUNDS)
                + _minor(label, officer.date_of_birth, on_date)
                + _recorded(label, name=officer.name, on_date=on_date, date_of_birth=officer.date_of_birth)
            )
            # 法113条6号: a body with such an officer is itself disqualified, for as long as that lasts.
            findings += [Finding(G.OFFICER, f"{proposer.name}の{f.person}", f.until) for f in officer_findings]
    else:
        findings += _declared(proposer.name, declarations.get("proposer", {}), INDIVIDUAL_GROUNDS)
        findings += _minor(proposer.name, proposer.date_of_birth, on_date)
        findings += _recorded(proposer.name, name=proposer.name, on_date=on_date, date_of_birth=proposer.date_of_birth)
    return findings


def declaration_complete(*, proposer: Proposer, declarations: dict) -> bool:
    """Has the proposer answered every ground, for themselves and every officer?"""
    if proposer.is_corporation:
        own = CORPORATION_GROUNDS
        officers = declarations.get("officers", {})
        if any(
            not all(ground in officers.get(str(officer.pk), {}) for ground in INDIVIDUAL_GROUNDS)
            for officer in proposer.officers.all()
        ):
            return False
    else:
        own = INDIVIDUAL_GROUNDS
    return all(ground in declarations.get("proposer", {}) for ground in own)
