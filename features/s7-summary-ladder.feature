# language: zh-CN
功能: 小结：按阶梯逐级处理
  出处：文章 §七（对 §一–§六 的总结）。先核实安排和联系方式，再联系官方客服，然后向催收方说明、
  要求出示依据，最后向监管部门投诉；危及人身安全的情况不走阶梯，直接报警。

  场景大纲: 每个示例案例走到阶梯的哪一级
    假如 示例案例“<案例>”
    当 评估该案例
    那么 升级阶段为“<阶段>”
    并且 这<紧急>紧急情况

    例子:
      | 案例                             | 阶段         | 紧急 |
      | all-quiet                        | 无需升级     | 不是 |
      | s1-documents-missing             | 重新核实     | 不是 |
      | s2-outdated-contact-details      | 重新核实     | 不是 |
      | title-agent-claimed-deferral     | 重新核实     | 不是 |
      | s3-verified-yet-notices-continue | 联系客服     | 不是 |
      | s4-confirmed-yet-called          | 与催收方交涉 | 不是 |
      | s4-collector-persists            | 与催收方交涉 | 不是 |
      | s6-too-frequent                  | 向监管投诉   | 不是 |
      | threat-of-violence               | 向监管投诉   | 是   |
