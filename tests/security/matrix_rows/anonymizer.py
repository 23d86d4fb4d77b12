"""Rows of the authorisation matrix for the anonymizer (issue 5): delivery on /mypage/ and the admin.

Roles, in order: anonymous proposer outsider chief_manager protection_manager protection_officer
                 audit_officer screener approver
"""

EXPECTED = {
    # A short-lived delivery link: the persona has no contract here, so its id does not exist (404).
    "mypage/contracts/<uuid:public_id>/dataset/<uuid:file_id>/": ("LNRRRRRRR", "LMRRRRRRR"),
}

ADMIN_MODELS = {
    # 加工基準: the protection managers write it (their own files); the overseers read.
    "anonymizer/processingprofile/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "anonymizer/processingprofile/add": ("LLLFOFFFF", "LLLFOFFFF"),
    "anonymizer/processingprofile/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/processingprofile/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/processingprofile/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/processingprofile/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/processingprofile/object": ("LLLRRRRRR", "LLLRRRRRR"),
    # Jobs: created by a contract's conclusion only; cancel and restart are object URLs (404 elsewhere).
    "anonymizer/datasetjob/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "anonymizer/datasetjob/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "anonymizer/datasetjob/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/datasetjob/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/datasetjob/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/datasetjob/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "anonymizer/datasetjob/int_pk/cancel": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/datasetjob/int_pk/restart": ("LLLNNNNNN", "LLLNNNNNN"),
    # Datasets and their processing secrets: metadata read-only; the secrets' contents on /read/ only.
    "anonymizer/anonymizeddataset/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "anonymizer/anonymizeddataset/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "anonymizer/anonymizeddataset/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/anonymizeddataset/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/anonymizeddataset/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/anonymizeddataset/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "anonymizer/anonymizeddataset/int_pk/dispose": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/processingsecret/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "anonymizer/processingsecret/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "anonymizer/processingsecret/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/processingsecret/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/processingsecret/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "anonymizer/processingsecret/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "anonymizer/processingsecret/int_pk/read": ("LLLNNNNNN", "LLLNNNNNN"),
}
