// Chinese names of the API's enumerations (values as the staff API returns them).

export const APPLICATION_STATUS = {
  submitted: "已提交",
  reviewing: "审核中",
  approved: "已通过",
  rejected: "未通过",
  referred: "已转银行",
  withdrawn: "已撤回",
};

export const TRAINING_STATUS = { submitted: "已报名", approved: "已录取", rejected: "未录取", withdrawn: "已撤回" };

export const LOAN_DECISIONS = [
  { value: "approved", label: "通过" },
  { value: "rejected", label: "不通过" },
  { value: "referred", label: "转银行" },
];
export const TRAINING_DECISIONS = [
  { value: "approved", label: "通过（录取）" },
  { value: "rejected", label: "不通过" },
];

export const CHANNEL = { template: "公众号模板消息", subscribe: "小程序订阅消息", custom: "公众号客服消息", wecom: "企业微信群机器人" };

export const ELIGIBILITY = { eligible: "符合条件", needs_review: "需人工审核", not_eligible: "不符合条件" };

export const COUNTIES = ["楚雄市", "禄丰市", "双柏县", "牟定县", "南华县", "姚安县", "大姚县", "永仁县", "元谋县", "武定县"];

export const label = (map, value) => map[value] || value || "";
