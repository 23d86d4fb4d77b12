"""Authorisation rows of the compliance app: incidents (事案) and outsourcing (委託).

Roles, in order: anonymous proposer outsider chief_manager protection_manager protection_officer
                 audit_officer screener approver
Incidents: every staff role reports (add) and sees the incidents it may (seed 004 第27条第1項); nobody deletes.
Outsourcing: chief and protection managers manage, the audit officer reads, the others have no access.
Object URLs use an id that does not exist (history answers 404: simple_history would otherwise show the
history of objects outside the person's queryset).
"""

ADMIN_MODELS = {
    "compliance/incident/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/incident/changelist": ("LLLOOOOOO", "LLLOOOOOO"),
    "compliance/incident/add": ("LLLOOOOOO", "LLLOOOOOO"),
    "compliance/incident/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/incident/delete": ("LLLFFFFFF", "LLLFFFFFF"),
    "compliance/incident/change": ("LLLRRRRRR", "LLLRRRRRR"),
    "compliance/incident/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "compliance/outsourcing/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/outsourcing/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "compliance/outsourcing/add": ("LLLOOFFFF", "LLLOOFFFF"),
    "compliance/outsourcing/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/outsourcing/delete": ("LLLFFFFFF", "LLLFFFFFF"),
    "compliance/outsourcing/change": ("LLLRRFRFF", "LLLRRFRFF"),
    "compliance/outsourcing/object": ("LLLRRRRRR", "LLLRRRRRR"),
}
