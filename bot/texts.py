"""Every user-facing sentence of the official-account channel (other than form prompts)."""
from __future__ import annotations

WELCOME = (
    "您好，欢迎关注楚雄州“创业幸福地”服务平台！\n"
    "我可以帮您：\n"
    "1. 政策问答：直接打字提问，比如“返乡创业能贷多少钱？”\n"
    "2. 预约窗口：预约县市创业服务窗口，发送位置可查看离您最近的窗口\n"
    "3. 贷款和培训预申请：创业担保贷款预申请、技能和创业培训报名\n"
    "4. 人工服务：发送“人工”，由工作人员为您解答\n"
    "也可以点击下方菜单。"
)

WELCOME_BACK = "欢迎回来！直接打字提问政策，或点击下方菜单预约窗口、预申请贷款和培训；发送“人工”可转人工服务。"

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
    "HUMAN": "人工服务暂时无法转接，请稍后再试。您可以先发送位置，查看离您最近的创业服务窗口的电话。",
}
# The text command a menu click stands for; skills that own the command answer both.
MENU_COMMANDS = {
    "BOOK": "预约窗口",
    "LOAN": "贷款预申请",
    "TRAINING": "培训报名",
    "MY_APPOINTMENTS": "我的预约",
    "MY_APPLICATIONS": "我的申请",
    "HUMAN": "人工",
}
MENU_TEXTS = {
    "POLICY": POLICY_HINT,
    "NEARBY": ASK_LOCATION,
    "ABOUT": WELCOME,
}
UNKNOWN_MENU = "这个菜单项暂时没有内容。请直接打字提问，或发送“人工”。"

POLICY_UNAVAILABLE = "抱歉，政策问答暂时不可用，请稍后再试，或发送“人工”咨询工作人员。"
APOLOGY = "抱歉，系统刚才出了点问题，没能处理您的消息。请稍后再发一次，或发送“人工”联系工作人员。"
PENDING_HEADER = "（您上一条消息的回复）"
BUSY = "您的上一条消息还在处理中，请稍候再发。"
DB_BUSY = "系统繁忙，请稍后再试。政策问题仍可直接打字提问。"
