"""Matrix rows of the source-file screen (files_registry.SourceFile) and of disposal certificates (消去証明).

Roles, in order: anonymous proposer outsider chief_manager protection_manager protection_officer
                 audit_officer screener approver
The matrix's staff manage no organization, so a protection manager or officer sees an empty list; an
object URL (an id that exists nowhere) answers 404 to every staff role.
"""

ADMIN_MODELS: dict[str, tuple[str, str]] = {
    # Source files: managers and officers (their organizations), the chief manager read-only (seed 004 第5条).
    "files_registry/sourcefile/changelist": ("LLLOOOFFF", "LLLOOOFFF"),
    "files_registry/sourcefile/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "files_registry/sourcefile/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/sourcefile/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/sourcefile/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/sourcefile/object": ("LLLRRRRRR", "LLLRRRRRR"),
    # The crypto-erase with its certificate (第10条): protection managers only.
    "files_registry/sourcefile/int_pk/destroy": ("LLLFNFFFF", "LLLFNFFFF"),
    # Disposal certificates: read-only for the chief manager, protection managers and the audit officer.
    "disposal/disposalcertificate/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "disposal/disposalcertificate/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "disposal/disposalcertificate/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "disposal/disposalcertificate/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "disposal/disposalcertificate/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "disposal/disposalcertificate/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "disposal/disposalcertificate/uuid_public_id/pdf": ("LLLNNFNFF", "LLLNNFNFF"),
}
