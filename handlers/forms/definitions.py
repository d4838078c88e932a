"""The three forms, declared once as data and shared by both channels (see handlers.forms.spec)."""
from __future__ import annotations

from typing import Any

from handlers import eligibility
from handlers import validation as v
from handlers.forms.spec import Field, FormSpec, Parser

APPOINTMENT_PURPOSES = ("创业担保贷款", "云岭创业贷", "创业培训", "创业政策咨询", "创业导师帮扶", "创业项目指导", "其他")
TRAINING_CATEGORIES = ("高校毕业生", "农村劳动力", "脱贫劳动力", "退役军人", "返乡入乡创业人员", "城镇登记失业人员",
                       "就业困难人员", "其他")


def _choice(label: str, choices: tuple[str, ...]) -> Parser:
    return lambda raw, _: v.validate_choice(raw, choices, label)


def _text(label: str, low: int, high: int) -> Parser:
    return lambda raw, _: v.validate_text(raw, label, low, high)


def _amount(raw: Any, answers: dict) -> int:
    return v.validate_amount(raw, answers.get("product"), answers.get("category"))


NAME = Field("name", "姓名", "请输入您的真实姓名：", lambda raw, _: v.validate_name(raw),
             schema={"type": "string", "minLength": 2, "maxLength": 30})
ID_NUMBER = Field("id_number", "身份证号", "请输入 18 位身份证号码：", lambda raw, _: v.validate_id_number(raw),
                  schema={"type": "string", "pattern": "^[0-9]{17}[0-9Xx]$"}, secret=True)
PHONE = Field("phone", "手机号", "请输入您的手机号码（11 位）：", lambda raw, _: v.validate_phone(raw),
              schema={"type": "string", "pattern": "^1[3-9][0-9]{9}$"})
COUNTY = Field("county", "所在县市", "请选择您所在的县市：", lambda raw, _: v.validate_county(raw), choices=v.COUNTIES)

LOAN_FORM = FormSpec("loan", "贷款预申请", (
    Field("product", "贷款产品", "请选择要预申请的贷款产品：", _choice("贷款产品", tuple(eligibility.products())),
          choices=tuple(eligibility.products())),
    Field("category", "申请人类别", "请选择申请人类别：", _choice("申请人类别", tuple(eligibility.categories())),
          choices=tuple(eligibility.categories())),
    COUNTY,
    Field("business_type", "经营项目", "您经营或准备经营什么项目？（例如：民族药膳馆、彝绣加工、蔬菜种植）",
          _text("经营项目", 2, 50), schema={"type": "string", "minLength": 2, "maxLength": 50}),
    Field("amount", "贷款金额", "想申请多少金额？请填写整数，单位元，例如 100000 或 10万：", _amount,
          schema={"type": "integer", "minimum": v.MIN_LOAN_AMOUNT, "maximum": 4000000,
                  "description": "单位：元（整数）"}, unit=" 元"),
    Field("purpose", "资金用途", "贷款主要用来做什么？（例如：购买设备、进货、店面装修）", _text("资金用途", 2, 200),
          schema={"type": "string", "minLength": 2, "maxLength": 200}),
    NAME, ID_NUMBER, PHONE,
))

TRAINING_FORM = FormSpec("training", "培训报名", (
    COUNTY,
    Field("session_id", "培训班", "请选择要报名的培训班：", lambda raw, _: v.validate_positive_id(raw, "培训班"),
          dynamic=True, schema={"type": "integer", "minimum": 1, "maximum": v.MAX_PK}),
    Field("category", "人员类别", "请选择您的人员类别：", _choice("人员类别", TRAINING_CATEGORIES),
          choices=TRAINING_CATEGORIES),
    NAME, ID_NUMBER, PHONE,
))

APPOINTMENT_FORM = FormSpec("appointment", "预约窗口", (
    Field("county", "县市", "请选择要去哪个县市的创业服务窗口：", lambda raw, _: v.validate_county(raw, "县市"),
          choices=v.COUNTIES, chat_only=True),
    Field("window_id", "服务窗口", "请选择服务窗口：", lambda raw, _: v.validate_positive_id(raw, "服务窗口"),
          dynamic=True, schema={"type": "integer", "minimum": 1, "maximum": v.MAX_PK}),
    Field("date", "预约日期", "请选择预约日期：", lambda raw, _: v.validate_date(raw, "预约日期"),
          dynamic=True, chat_only=True),
    Field("start", "预约时段", "请选择预约时段：", lambda raw, _: v.validate_start(raw),
          dynamic=True, schema={"type": "string", "format": "date-time",
                                "description": "时段开始时间，ISO 8601，例如 2025-01-06T09:00:00+08:00"}),
    Field("purpose", "预约事项", "请选择要办理的事项：", _choice("预约事项", APPOINTMENT_PURPOSES),
          choices=APPOINTMENT_PURPOSES),
    NAME, PHONE,
))

# Areas a mentor can help in: the plan's 模式 (§2 "X+创业") and general areas (handlers/mentors/).
MENTOR_AREAS = ("中彝医药+创业", "健康服务业+创业", "健康产品+创业", "康养文旅+创业", "绿色食品+创业", "高原特色农业+创业",
                "绿色能源+创业", "先进制造+创业", "电商", "财务", "营销", "其他")

MENTOR_FORM = FormSpec("mentor", "找导师", (
    Field("industry", "需要指导的领域", "您想请导师在哪个方面指导？", _choice("需要指导的领域", MENTOR_AREAS),
          choices=MENTOR_AREAS),
    COUNTY,
    Field("need", "具体需求", "请简单说说您的项目和想请导师帮什么（例如：网店刚开，想学怎么推广）：",
          _text("具体需求", 4, 500), schema={"type": "string", "minLength": 4, "maxLength": 500}),
    NAME, PHONE,
))


def _team_size(raw: Any, _: dict) -> int:
    label = "团队人数"
    if isinstance(raw, bool):
        raise v.FieldError(f"{label}：请填写 1–500 之间的整数")
    text = v.require(raw, label).removesuffix("人").strip() if not isinstance(raw, int) else str(raw)
    if not text.isdigit() or not 1 <= int(text) <= 500:
        raise v.FieldError(f"{label}：请填写 1–500 之间的整数")
    return int(text)


CARRIER_FORM = FormSpec("carrier", "入驻申请", (
    Field("county", "县市", "请选择想入驻哪个县市的创业载体：", lambda raw, _: v.validate_county(raw, "县市"),
          choices=v.COUNTIES, chat_only=True),
    Field("carrier_id", "创业载体", "请选择要申请入驻的创业载体：", lambda raw, _: v.validate_positive_id(raw, "创业载体"),
          dynamic=True, schema={"type": "integer", "minimum": 1, "maximum": v.MAX_PK}),
    Field("project", "创业项目", "请简要介绍您的创业项目（例如：彝绣文创工作室、中药材初加工）：", _text("创业项目", 2, 200),
          schema={"type": "string", "minLength": 2, "maxLength": 200}),
    Field("team_size", "团队人数", "您的团队有几个人（含您本人）？请填写数字：", _team_size,
          schema={"type": "integer", "minimum": 1, "maximum": 500}, unit=" 人"),
    Field("needs", "入驻需求", "需要载体提供什么？（例如：20 平方米场地、3 个工位、工商注册代办）", _text("入驻需求", 2, 500),
          schema={"type": "string", "minLength": 2, "maxLength": 500}),
    NAME, PHONE,
))

FORMS = {f.name: f for f in (LOAN_FORM, TRAINING_FORM, APPOINTMENT_FORM, MENTOR_FORM, CARRIER_FORM)}
