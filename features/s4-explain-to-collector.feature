# language: zh-CN
功能: §四 向催收方说明情况
  文章 §四：延期已获批准并经客服确认后仍被催收，先向催收方说明并提供延期信息；
  对方仍坚持的，要求其提供具体依据并保留证据。

  场景: 客服确认后仍接到催收电话
    假如 示例案例“s4-confirmed-yet-called”
    当 评估该案例
    那么 升级阶段为“confront_collector”
    并且 建议的行动包括“explain_to_collector”
    并且 建议的行动不包括“reverify_arrangement”

  场景: 说明之后催收方仍坚持
    假如 示例案例“s4-collector-persists”
    当 评估该案例
    那么 升级阶段为“confront_collector”
    并且 建议的行动包括“demand_basis_and_keep_evidence”
    并且 建议的行动不包括“file_with_regulator”
