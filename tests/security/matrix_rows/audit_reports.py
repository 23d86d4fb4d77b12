"""Matrix rows of the audit report (seed 004 第29条): the audit officer and the chief manager only.

Roles, in order: anonymous proposer outsider chief_manager protection_manager protection_officer
                 audit_officer screener approver
GET without a period shows the form; POST is not a method of this page (405 for those let in).
"""

EXPECTED = {
    "admin/audit/report/": ("LLLOFFOFF", "LLLMFFMFF"),
}
