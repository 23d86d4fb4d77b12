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
    "compliance/incident/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/incident/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/incident/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "compliance/outsourcing/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/outsourcing/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "compliance/outsourcing/add": ("LLLOOFFFF", "LLLOOFFFF"),
    "compliance/outsourcing/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/outsourcing/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/outsourcing/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/outsourcing/object": ("LLLRRRRRR", "LLLRRRRRR"),
    # Re-contracting (第26条第5項): as outsourcing; approvals are added on the outsourcing's page only.
    "compliance/subcontracting/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "compliance/subcontracting/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "compliance/subcontracting/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/subcontracting/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/subcontracting/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/subcontracting/object": ("LLLRRRRRR", "LLLRRRRRR"),
    # Inspections (点検, 第30条・第13条・第17条第2項): chief and protection managers record, the audit officer reads.
    "compliance/inspection/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "compliance/inspection/add": ("LLLOOFFFF", "LLLOOFFFF"),
    "compliance/inspection/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/inspection/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/inspection/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/inspection/object": ("LLLRRRRRR", "LLLRRRRRR"),
    # Corrections of delivered datasets (第8条): the protection manager instructs, the audit officer reads.
    "compliance/datasetcorrection/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "compliance/datasetcorrection/add": ("LLLOOFFFF", "LLLOOFFFF"),
    "compliance/datasetcorrection/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/datasetcorrection/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/datasetcorrection/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "compliance/datasetcorrection/object": ("LLLRRRRRR", "LLLRRRRRR"),
}
