"""The closed vocabularies of contract v1: rungs, actions, and the case enumerations."""

from __future__ import annotations

from typing import Literal, get_args

Rung = Literal["none", "re_verify", "contact_support", "confront_collector", "file_with_regulator"]
LADDER: tuple[Rung, ...] = get_args(Rung)

ActionId = Literal[
    "update_contact_details",
    "reverify_arrangement",
    "prepare_deferral_documents",
    "stop_using_agent",
    "secure_account",
    "contact_official_support",
    "file_complaint_with_lender",
    "explain_to_collector",
    "demand_basis_and_keep_evidence",
    "file_with_regulator",
    "file_with_consumer_association",
    "report_harassing_numbers",
    "report_to_police",
]

ACTION_RUNGS: dict[str, Rung] = {
    "update_contact_details": "re_verify",
    "reverify_arrangement": "re_verify",
    "prepare_deferral_documents": "re_verify",
    "stop_using_agent": "re_verify",
    "secure_account": "re_verify",
    "contact_official_support": "contact_support",
    "file_complaint_with_lender": "contact_support",
    "explain_to_collector": "confront_collector",
    "demand_basis_and_keep_evidence": "confront_collector",
    "file_with_regulator": "file_with_regulator",
    "file_with_consumer_association": "file_with_regulator",
    "report_harassing_numbers": "file_with_regulator",
    "report_to_police": "file_with_regulator",
}

# ActionId is for the type checker, ACTION_RUNGS for the program: the same ids, one table.
if set(get_args(ActionId)) != set(ACTION_RUNGS):  # pragma: no cover - a broken edit of this file
    raise ImportError("escalade.vocab: ActionId and ACTION_RUNGS list different actions")

Language = Literal["zh-CN", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

EvidenceKind = Literal[
    "call_log",
    "call_recordings",
    "screenshots",
    "sms_records",
    "arrangement_proof",
    "agent_receipts",
    "witness_notes",
]
ArrangementKind = Literal["deferral", "installment", "negotiated_plan"]
ArrangedBy = Literal["self", "official_support", "third_party_agent", "unknown"]
ArrangementStatus = Literal["claimed", "applied", "approved", "rejected", "expired", "unknown"]
DocumentKind = Literal[
    "income_proof", "medical_proof", "emergency_proof", "hardship_statement", "other"
]
AgentAsk = Literal[
    "id_card",
    "bank_card",
    "sim_card",
    "alipay_password",
    "sms_code",
    "contacts_list",
    "upfront_fee",
]
ContactChannel = Literal[
    "call", "sms", "app_message", "email", "social_app", "visit", "letter", "other"
]
Collector = Literal["lender", "collection_agency", "unknown"]
Conduct = Literal[
    "threatened_violence",
    "threatened_exposure",
    "insulted",
    "contacted_third_party",
    "impersonated_authority",
    "false_legal_threat",
    "demanded_extra_fees",
    "pushed_new_loan",
    "demanded_private_account",
    "publicly_exposed",
    "entered_home",
]
CONDUCTS: tuple[str, ...] = get_args(Conduct)
CheckVia = Literal["app", "support", "sms_notice", "letter"]
CheckResult = Literal["active", "not_found", "rejected", "expired"]
SupportChannel = Literal["in_app", "hotline", "email", "online_chat"]
SupportOutcome = Literal[
    "arrangement_confirmed",
    "arrangement_not_found",
    "promised_to_stop_collection",
    "no_answer",
    "pending",
]
ComplaintTo = Literal[
    "lender", "nfra", "consumer_association", "nifa", "miit_12321", "police", "court", "other"
]
