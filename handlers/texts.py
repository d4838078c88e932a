"""Every user-facing sentence of the official account (chat, flows, records, handoff, binding), the
one normaliser for what users type, and the size of one WeChat text.

Form prompts and per-field messages live with the forms (handlers/forms/definitions.py), shared
with the API. Imported by both channels (bot/ and api/) and by the use cases that compose a
message (the hand-back, a chat form's confirmation).
"""
from __future__ import annotations

import unicodedata
from datetime import datetime

from handlers.clock import TZ

WECHAT_TEXT_BYTES = 2000  # WeChat cuts a text message at about 2048 bytes
_TRAILING = "。！!？?～~"
WEEKDAYS = "一二三四五六日"


def norm(text: str | None) -> str:
    """What the user typed, as commands are matched: NFKC (full-width to half-width), no surrounding
    blanks, no trailing 。！？～ (「人工！」 is 「人工」)."""
    return unicodedata.normalize("NFKC", text or "").strip().rstrip(_TRAILING).strip()


def when_text(start: datetime, end: datetime | None = None) -> str:
    start = start.astimezone(TZ)
    text = f"{start:%Y年%m月%d日} 周{WEEKDAYS[start.weekday()]} {start:%H:%M}"
    return text + (f"-{end.astimezone(TZ):%H:%M}" if end else "")


def money(amount: int) -> str:
    return f"{amount // 10000}万元" if amount and amount % 10000 == 0 else f"{amount}元"


# ================================================================ the official account

WELCOME = (
    "您好，欢迎关注楚雄州“创业幸福地”服务平台！\n"
    "我可以帮您：\n"
    "1. 政策问答：直接打字提问，比如“返乡创业能贷多少钱？”\n"
    "2. 预约窗口：预约县市创业服务窗口，发送位置可查看离您最近的窗口\n"
    "3. 贷款和培训预申请：创业担保贷款预申请、技能和创业培训报名\n"
    "4. 找导师：发送“找导师”，请创业导师一对一指导（电商、财务、营销和各特色产业）\n"
    "5. 创业载体：发送“孵化基地”查看孵化基地、创业小镇、社区和村落，发送“申请入驻”申请入驻\n"
    "6. 创业活动：发送“活动”查看近期的创业大赛、沙龙、路演和直播，在线报名\n"
    "7. 人工服务：发送“人工”，由工作人员为您解答\n"
    "也可以点击下方菜单。"
)

WELCOME_BACK = "欢迎回来！直接打字提问政策，或点击下方菜单预约窗口、预申请贷款和培训、找创业导师；发送“人工”可转人工服务。"

HELP = WELCOME

POLICY_HINT = (
    "请直接打字提问，我会从政策文件里找答案并注明出处。例如：\n"
    "· 创业担保贷款最多能贷多少？\n"
    "· 哪些人可以申请创业担保贷款？\n"
    "· 想学养老护理，有没有培训？"
)

ASK_LOCATION = "请点击输入框旁的“+”，选择“位置”发给我，我会告诉您离您最近的创业服务窗口。"

VOICE_UNRECOGNISED = "抱歉，这条语音我没听清。请直接打字告诉我您的问题，比如“创业贷款怎么申请？”"
IMAGE = "收到您的图片，谢谢！目前我只能看懂文字。请用文字描述您的问题，或发送“人工”由工作人员查看。"
VIDEO = "收到您的视频，谢谢！目前我只能看懂文字。请用文字描述您的问题，或发送“人工”由工作人员查看。"
LINK = "收到您分享的链接“{title}”。我暂时不能阅读链接内容，请用文字告诉我您想了解什么。"
UNSUPPORTED = "收到！目前我只能看懂文字和位置。请直接打字提问，或点击下方菜单。"
EMPTY_TEXT = "您好，请直接打字提问，或点击下方菜单。"

NO_WINDOWS = "暂时没有查到创业服务窗口的信息，请稍后再试，或发送“人工”咨询工作人员。"
NEAREST_HEADER = "离您最近的创业服务窗口："
NEAREST_HEADER_AT = "离“{label}”最近的创业服务窗口："
WINDOW_LINE = "{n}. {name}（{county}，{distance}）\n地址：{address}\n电话：{phone}\n办公时间：{hours}"
NEAREST_FOOTER = "点击菜单“我要办事 → 预约窗口”可在线预约。"
LOCATION_EVENT_HEADER = "已收到您的位置。离您最近的创业服务窗口是："

# Only when no feature skill answers a menu click (e.g. a feature failed to install).
MENU_FALLBACK = {
    "BOOK": "窗口预约暂时无法办理，请稍后再试。您可以先发送位置查看离您最近的创业服务窗口和电话。",
    "LOAN": "贷款预申请暂时无法办理，请稍后再试。您可以先问我“创业担保贷款申请条件”等问题。",
    "TRAINING": "培训报名暂时无法办理，请稍后再试。您可以先问我“有哪些创业培训”等问题。",
    "MY_APPOINTMENTS": "暂时查不到预约记录，请稍后再试。",
    "MY_APPLICATIONS": "暂时查不到申请记录，请稍后再试。",
    "CARRIERS": "创业载体目录暂时无法查看，请稍后再试，或发送“人工”咨询工作人员。",
    "HUMAN": "人工服务暂时无法转接，请稍后再试。您可以先发送位置，查看离您最近的创业服务窗口的电话。",
    "MENTOR": "找导师暂时无法办理，请稍后再试。您可以先问我创业政策，或发送“人工”联系工作人员。",
    "EVENTS": "创业活动暂时查不到，请稍后再试。",
}
# The text command a menu click stands for; skills that own the command answer both.
MENU_COMMANDS = {
    "BOOK": "预约窗口",
    "LOAN": "贷款预申请",
    "TRAINING": "培训报名",
    "MY_APPOINTMENTS": "我的预约",
    "MY_APPLICATIONS": "我的申请",
    "CARRIERS": "创业载体",
    "HUMAN": "人工",
    "MENTOR": "找导师",
    "EVENTS": "创业活动",
}
MENU_TEXTS = {
    "POLICY": POLICY_HINT,
    "NEARBY": ASK_LOCATION,
    "ABOUT": WELCOME,
}
UNKNOWN_MENU = "这个菜单项暂时没有内容。请直接打字提问，或发送“人工”。"

POLICY_UNAVAILABLE = "抱歉，政策问答暂时不可用，请稍后再试，或发送“人工”咨询工作人员。"
# One line after a confident policy answer; a reply of 有用/没用 then rates that answer.
FEEDBACK_HINT = "这条回答对您有用吗？请回复「有用」或「没用」。"
FEEDBACK_THANKS = "谢谢您的反馈！还有问题可以直接打字问我。"
FEEDBACK_SORRY = ("谢谢反馈，抱歉没帮上忙。工作人员会据此完善答案。您可以换个说法再问，"
                  "回复「预约」到窗口当面咨询，或回复「人工」转人工服务。")
FEEDBACK_FAILED = "抱歉，反馈暂时没能记录，请稍后再试。"
APOLOGY = "抱歉，系统刚才出了点问题，没能处理您的消息。请稍后再发一次，或发送“人工”联系工作人员。"
PENDING_HEADER = "（您上一条消息的回复）"
BUSY = "您的上一条消息还在处理中，请稍候再发。"
DB_BUSY = "系统繁忙，请稍后再试。政策问题仍可直接打字提问。"

# ================================================================ flows, records, handoff, binding

# ---------------------------------------------------------------- commands (whole messages)

FLOW_INTENTS = {
    "appointment": {"预约窗口", "预约", "我要预约", "窗口预约", "预约办事", "在线预约", "预约窗口办事"},
    "loan": {"贷款预申请", "贷款申请", "申请贷款", "我要贷款", "我要申请贷款", "预申请贷款", "创业贷款预申请",
             "创业担保贷款预申请", "申请创业担保贷款"},
    "training": {"培训报名", "报名培训", "我要报名", "我要培训", "我要报名培训", "培训申请", "参加培训"},
    "mentor": {"找导师", "我要找导师", "创业导师", "导师帮扶", "申请导师", "找创业导师", "导师指导"},
    "carrier": {"申请入驻", "入驻申请", "我要入驻", "申请入驻载体", "入驻孵化基地", "申请入驻孵化基地"},
}
# Free phrasing of a request (handlers/forms/intent.py): a message made only of a topic word, a
# wish or "how do I", and particles is a request; anything else left in it (多少, 利息谁出, 条件,
# 吗...) makes it a question for the knowledge base. Topic words are also recognised when written
# with a homophone (带款, 代款 → 贷款). Extend these sets as data; longest words are matched first.
INTENT_TOPICS = {
    "loan": ("创业担保贷款", "担保贷款", "创业贷款", "云岭创业贷", "创业贷", "贷款", "贷个款", "借款"),
}
INTENT_WISHES = ("我想要", "我想", "我要", "想要", "想", "要", "需要", "申请", "办理", "办", "弄", "搞")
INTENT_HOW = ("咋个整", "咋个办", "咋个弄", "咋个搞", "咋整", "咋办", "咋个", "咋", "怎么办理", "怎么办", "怎么弄",
              "怎么搞", "怎么申请", "怎么", "怎样", "如何", "哪样整", "整")
INTENT_PARTICLES = ("请问", "请", "帮我", "给我", "一下", "我", "个", "点", "的", "了", "去", "来", "嘛", "呢", "啊",
                    "呀", "哦", "吧", "哈", "嘞", "哟", "喽")
# What the two-option question offers, per form: (value, label, words that also choose it).
INTENT_OFFERS = {
    "loan": (("start", "申请贷款预审", ("申请", "预审", "办理", "填表", "预申请", "我要申请", "贷款预申请")),
             ("ask", "了解贷款政策", ("了解", "政策", "咨询", "问问", "先问问", "问一下"))),
}
INTENT_OFFER_QUESTION = {"loan": "您是想申请贷款，还是先了解贷款政策？"}
INTENT_OFFER_FOOTER = "请回复数字或文字。"
# The question put to the knowledge base for "了解…政策", and what follows its answer.
INTENT_POLICY_QUESTION = {"loan": "创业担保贷款政策"}
INTENT_POLICY_MORE = {"loan": "还想了解额度、条件、贴息，可以直接问我，比如“创业担保贷款能贷多少？”“贷款利息谁出？”。"
                              "想办理时回复「贷款预申请」。"}

MY_APPOINTMENTS = {"我的预约", "查预约", "查询预约", "预约记录", "查看预约"}
MY_APPLICATIONS = {"我的申请", "查申请", "查询申请", "申请进度", "我的贷款", "我的培训", "我的报名", "申请记录"}
CANCEL_APPOINTMENT = {"取消预约", "我要取消预约", "取消窗口预约"}
WITHDRAW_APPLICATION = {"撤回申请", "撤销申请", "取消申请", "取消报名", "撤回报名"}
RESUME = {"继续", "继续填写", "接着填"}
HUMAN = {"人工", "人工服务", "转人工", "找人工", "人工客服", "客服", "联系客服", "真人", "找工作人员"}
LEAVE_HUMAN = {"结束人工", "退出人工", "结束人工服务", "退出人工服务"}

# ---------------------------------------------------------------- "did you mean" (a digit or one character alone)

SERVICES_MENU = ("· 政策问题：直接打一句完整的话，比如“创业担保贷款能贷多少？”\n"
                 "· 回复「贷款预申请」「培训报名」「预约窗口」办理业务\n"
                 "· 回复「我的申请」「我的预约」查看进度\n"
                 "· 回复「人工」联系工作人员")
DID_YOU_MEAN_NUMBER = "您是想选第 {n} 项吗？现在没有需要选择的列表。您可以：\n" + SERVICES_MENU
DID_YOU_MEAN_YES = "您是想办理业务吗？现在没有正在填写的表单。您可以：\n" + SERVICES_MENU
DID_YOU_MEAN_CHAR = "您是想问什么呢？一个字我还看不明白。您可以：\n" + SERVICES_MENU

# ---------------------------------------------------------------- flows

FLOW_REPLACED = "（未完成的「{old}」已放弃，没有提交。）"
FLOW_EXPIRED = ("您之前填写的「{title}」超过 {minutes} 分钟没有回复，已自动作废，填写的内容没有提交。"
                "如需办理，请回复「{command}」重新开始；如果您刚才是在提问，请再发一次问题。")
FLOW_REMINDER = "您的「{title}」还没有填完，回复「继续」接着填写，回复「取消」放弃。"
FLOW_NOTHING_OPEN = ("您现在没有正在填写的表单。已提交的申请和预约请回复「我的申请」「我的预约」查看；"
                     "如需新办理，请回复「预约窗口」「贷款预申请」或「培训报名」。")
FLOW_STORE_DOWN = "抱歉，系统暂时无法保存填写进度，请过几分钟再试。已经提交成功的申请不受影响。"
FLOW_DB_BUSY = "系统繁忙，请稍后再试。已填写的内容都还在，稍后再回复一次即可接着办理；已经提交成功的申请不受影响。"
FLOW_SUBMITTING_CHECK = "您上次回复「确认」时系统繁忙，我们查到该申请已经提交成功：\n{result}"
FLOW_SUBMIT_FAILED = ("抱歉，提交时系统出了点问题，可能没有提交成功。请稍后回复「确认」：会先核对是否已经提交，不会重复提交；"
                      "或回复「取消」放弃。")
FLOW_CHOOSE_AGAIN = "请重新选择："

BOOKED = ("预约成功！\n窗口：{window}\n地址：{address}\n时间：{when}\n事项：{purpose}\n签到码：{code}\n"
          "请按时到窗口出示签到码。如需取消，回复「取消预约」。")
LOAN_SUBMITTED = ("贷款预申请已提交（编号 {id}），状态：已提交。\n{eligibility}\n"
                  "窗口工作人员审核后会通知您，也可以回复「我的申请」查看进度。")
MENTOR_SUBMITTED = ("找导师申请已提交（编号 {id}）：{county}，{industry}方面。\n"
                    "县市工作人员会为您匹配合适的创业导师，安排好后会通知您导师是谁、怎么联系；"
                    "回复「我的导师」可查看进度和帮扶记录。")
MY_MENTORS = {"我的导师", "导师进度", "查导师", "我的帮扶", "帮扶记录"}
TRAINING_SUBMITTED = ("培训报名已提交（编号 {id}）：{course}，{county}，{start}开班。\n"
                      "工作人员审核后会通知您，回复「我的申请」可查看进度。")

CARRIER_SUBMITTED = ("入驻申请已提交（编号 {id}）：{carrier}（{county}）。\n"
                     "{county}的工作人员审核后会通知您，回复「我的申请」可查看进度。")

# ---------------------------------------------------------------- carriers (孵化基地, 创业小镇, 创业社区, 创业村落)

CARRIER_WORDS = {
    None: {"创业载体", "载体", "附近载体", "附近的创业载体", "附近有哪些创业载体", "创业载体有哪些", "查创业载体"},
    "base": {"孵化基地", "创业孵化基地", "创业园", "创业园区", "孵化园", "附近有哪些创业园", "附近的创业园", "附近创业园",
             "附近有哪些孵化基地", "附近的孵化基地", "有哪些孵化基地", "有哪些创业园", "创业孵化示范基地"},
    "town": {"创业小镇", "有哪些创业小镇"},
    "community": {"创业社区", "创业街区", "有哪些创业社区"},
    "village": {"创业村落", "创业村", "有哪些创业村落"},
}
CARRIERS_NEAREST_HEADER = "离您最近的{what}（按您最近发送的位置）："
CARRIERS_HEADER = "{what}："
CARRIER_LINE = "{n}. {name}（{kind}，{county}{distance}）{demo}\n   产业：{industries}\n   地址：{address}\n   {offers}\n   联系：{contact}"
CARRIER_DEMO = "【演示数据】"
CARRIERS_NONE = "暂时没有登记的{what}。可以发送“人工”咨询工作人员。"
CARRIERS_ASK_LOCATION = "发送您的位置（输入框旁“+” → 位置），可按距离从近到远排列。"
CARRIERS_FOOTER = "想入驻请回复「申请入驻」；演示数据以运营方公布为准。"
CARRIERS_NEAR_LOCATION = "附近的创业载体：{list}。回复「附近载体」查看详情，回复「申请入驻」申请入驻。"

# ---------------------------------------------------------------- my records

NO_APPOINTMENTS = "您还没有预约记录。回复「预约窗口」可在线预约县市创业服务窗口。"
APPOINTMENTS_HEADER = "您的预约："
APPOINTMENT_LINE = "{n}. {when} {window}（{status}）\n   事项：{purpose}；预约人：{name} {phone}{code}"
APPOINTMENTS_FOOTER = "如需取消，回复「取消预约」。"
NO_APPLICATIONS = "您还没有贷款预申请或培训报名记录。回复「贷款预申请」或「培训报名」开始办理。"
LOANS_HEADER = "贷款预申请："
LOAN_LINE = "{n}. 编号 {id}｜{product} {amount}（{status}）\n   {name} {id_masked} {phone}｜提交于 {created}{note}"
TRAININGS_HEADER = "培训报名："
TRAINING_LINE = "{n}. 编号 {id}｜{course}，{county}，{start}开班（{status}）\n   {name} {id_masked} {phone}{note}"
CARRIER_APPLICATIONS_HEADER = "入驻申请："
CARRIER_APPLICATION_LINE = "{n}. 编号 {id}｜{carrier}，{county}（{status}）\n   项目：{project}｜{name} {phone}{note}"
APPLICATIONS_FOOTER = "尚未审核的申请可以撤回：回复「撤回申请」。"
MORE_NOT_SHOWN = "……（更早的记录未显示）"

NOTHING_TO_CANCEL = "您没有可以取消的预约（只有尚未到来、未签到的预约可以取消）。"
CHOOSE_CANCEL = "请选择要取消的预约（回复数字），回复「返回」不取消："
CANCEL_CONFIRMED = "已取消预约：{when} {window}。名额已释放，欢迎改约其他时间（回复「预约窗口」）。"
NOTHING_TO_WITHDRAW = "您没有可以撤回的申请（只有尚未审核完成的申请可以撤回）。"
CHOOSE_WITHDRAW = "请选择要撤回的申请（回复数字），回复「返回」不撤回："
WITHDRAWN = "已撤回：{what}。"
CHOICE_KEPT = "好的，没有做任何更改。"
CHOOSE_NUMBER = "请回复选项前面的数字（1–{count}），或回复「返回」。"

# ---------------------------------------------------------------- handoff

HANDOFF_QUEUED = ("已为您转接人工服务，{who}会尽快在这里回复您。\n"
                  "等待期间您发的消息都会转给工作人员。回复「结束人工」可随时回到智能问答。")
HANDOFF_QUEUED_UNCONFIDENT = "连续几个问题我都没能准确回答。"
HANDOFF_ALREADY = "您已在人工服务队列中，工作人员会尽快回复，请稍候。回复「结束人工」可回到智能问答。"
HANDOFF_QUIET = "已转人工，请稍候，工作人员会在这里回复您。"
HANDOFF_DRAFT_KEPT = "您正在填写的「{title}」已一并转给工作人员，结束人工服务后可回复「继续」接着填写。"
HANDOFF_WHO_COUNTY = "{county}创业服务窗口的工作人员"
HANDOFF_WHO_PREFECTURE = "州级工作人员"
HANDOFF_ENDED_BY_USER = "已结束人工服务，您可以继续向我提问，或点击下方菜单办理预约、贷款和培训。"
HANDOFF_ENDED_BY_STAFF = "工作人员已结束本次人工服务，感谢您的耐心。您可以继续向我提问，或点击下方菜单办理业务。"
HANDOFF_RESUME_DRAFT = "您之前填写的「{title}」还在，回复「继续」接着填写，回复「取消」放弃。"
HANDOFF_OVERDUE = ("抱歉，工作人员暂时没能接入（可能不在工作时间）。您可以：\n"
                   "1. 继续等待，工作人员上线后会在这里回复您；\n"
                   "2. 直接联系创业服务窗口：\n{windows}\n"
                   "3. 回复「结束人工」回到智能问答，或点击菜单在线预约窗口。")
HANDOFF_OVERDUE_WINDOW = "· {name}：电话 {phone}，地址 {address}，办公时间 {hours}"
HANDOFF_OVERDUE_NO_WINDOW = "· 发送您的位置，可查看离您最近的创业服务窗口和电话"
HANDOFF_LINE_EVENTS = {
    "image": "[图片]", "voice": "[语音]", "video": "[视频]", "shortvideo": "[小视频]", "location": "[位置]",
    "link": "[链接]", "click": "[点击菜单]",
}

# ---------------------------------------------------------------- staff binding

BIND_OK = "绑定成功！工作台账号 {name}（{role}{where}）已绑定此微信，相关通知会发到这里。"
BIND_FAILED = "绑定码无效或已过期（绑定码 10 分钟内有效，只能用一次）。请在工作台重新生成绑定码后再发送「绑定 六位数字」。"
BIND_FORMAT = "绑定格式：「绑定 123456」，六位数字绑定码在工作台“绑定微信”处生成。"

# ---------------------------------------------------------------- events (bot/events.py)

EVENT_LIST = {"活动", "创业活动", "近期活动", "活动报名", "查活动", "有什么活动", "最近有什么活动", "创业大赛", "路演", "直播"}
MY_EVENTS = {"我的活动", "我的活动报名", "活动签到码", "我的签到码"}
EVENT_SIGNUP_PREFIX = ("报名活动", "报名")
EVENT_CANCEL_PREFIX = ("取消活动报名", "取消活动")
EVENTS_NONE = "近期暂无可报名的创业活动。活动发布后会在这里列出，也可以发送“人工”咨询工作人员。"
EVENTS_HEADER = "近期创业活动："
EVENT_LINE = "{n}. 【{kind}】{title}\n   时间：{when}\n   {where}\n   {seats}"
EVENT_DEMO = "（演示数据）"
EVENTS_FOOTER = "回复“报名”加序号报名，如“报名1”；发送“我的活动”查看签到码。"
EVENT_PICK_AGAIN = "请先发送“活动”查看近期活动，再回复“报名”加列表中的序号，如“报名1”。"
EVENT_ASK_CONTACT = "您要报名：{title}（{when}）。\n请回复您的姓名和手机号，用空格隔开，如：王小花 13812348000\n（回复“取消”放弃报名）"
EVENT_CONTACT_FORMAT = "请按“姓名 手机号”的格式回复，中间用空格隔开，如：王小花 13812348000；回复“取消”放弃报名。"
EVENT_SIGNUP_DROPPED = "好的，已放弃这次活动报名。"
EVENT_SIGNED_UP = "报名成功！\n活动：{title}\n时间：{when}\n{where}\n签到码：{code}\n到场时请向工作人员出示签到码；活动前一天会提醒您。如不能参加，请发送“取消活动{n}”把名额留给别人。"
MY_EVENTS_NONE = "您还没有报名创业活动。发送“活动”查看近期活动。"
MY_EVENTS_HEADER = "您的活动报名："
MY_EVENT_LINE = "{n}. {title}\n   时间：{when}\n   状态：{status}{code}"
MY_EVENTS_FOOTER = "如不能参加，发送“取消活动”加序号取消，如“取消活动1”。"
EVENT_CANCEL_PICK = "请先发送“我的活动”查看您的报名，再回复“取消活动”加序号，如“取消活动1”。"
EVENT_CANCELLED = "已取消活动报名：{title}。名额已释放给其他人。"
