"""The words a domain expert uses in the feature files, mapped to contract v1 values.

Every table also accepts the contract value itself (``explain_to_collector``), so a scenario can
name an action either way; an unknown word fails the step with the list of known ones.
"""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    "更新联系方式": "update_contact_details",
    "核实延期": "reverify_arrangement",
    "补齐证明材料": "prepare_deferral_documents",
    "停止使用代理": "stop_using_agent",
    "保护账户": "secure_account",
    "联系官方客服": "contact_official_support",
    "向花呗投诉": "file_complaint_with_lender",
    "向催收方说明": "explain_to_collector",
    "要求出示依据并保留证据": "demand_basis_and_keep_evidence",
    "向监管部门投诉": "file_with_regulator",
    "向消费者协会投诉": "file_with_consumer_association",
    "举报骚扰号码": "report_harassing_numbers",
    "报警": "report_to_police",
}

RUNGS: dict[str, str] = {
    "无需升级": "none",
    "重新核实": "re_verify",
    "联系客服": "contact_support",
    "与催收方交涉": "confront_collector",
    "向监管投诉": "file_with_regulator",
}

ARRANGEMENT_KINDS = {"延期": "deferral", "分期": "installment", "协商还款": "negotiated_plan"}

ARRANGEMENT_STATUSES = {
    "代理声称已办好": "claimed",
    "已申请": "applied",
    "已获批准": "approved",
    "已被拒绝": "rejected",
    "已过期": "expired",
    "不清楚": "unknown",
}

CHECK_RESULTS = {"有效": "active", "查无记录": "not_found", "已被拒绝": "rejected",
                 "已过期": "expired"}

DOCUMENTS = {"收入证明": "income_proof", "医疗证明": "medical_proof",
             "突发事件证明": "emergency_proof", "困难说明": "hardship_statement"}

CONTACT_DETAILS: dict[str, bool | None] = {"准确": True, "已经过时": False, "不确定": None}

AGENT_ASKS = {
    "身份证": "id_card",
    "银行卡": "bank_card",
    "手机卡": "sim_card",
    "支付宝密码": "alipay_password",
    "短信验证码": "sms_code",
    "通讯录": "contacts_list",
    "预付费用": "upfront_fee",
}

CONDUCTS = {
    "威胁使用暴力": "threatened_violence",
    "威胁曝光": "threatened_exposure",
    "辱骂": "insulted",
    "联系家人同事": "contacted_third_party",
    "冒充公检法": "impersonated_authority",
    "谎称要起诉抓人": "false_legal_threat",
    "索要额外费用": "demanded_extra_fees",
    "诱导借新还旧": "pushed_new_loan",
    "要求转账到私人账户": "demanded_private_account",
    "公开曝光个人信息": "publicly_exposed",
    "擅自进入住所": "entered_home",
}

YES_NO = {"包括": True, "不包括": False, "触发了": True, "没有触发": False, "是": True,
          "不是": False}


def term(table: dict[str, str], word: str, what: str) -> str:
    """The contract value for ``word`` (a Chinese word of ``table`` or the value itself)."""
    if word in table:
        return table[word]
    if word in table.values():
        return word
    raise LookupError(f"unknown {what} “{word}”; known: {'、'.join(table)}")


def yes_no(word: str) -> bool:
    if word not in YES_NO:
        raise LookupError(f"expected one of {'、'.join(YES_NO)}, got “{word}”")
    return YES_NO[word]
