"""Policy search and questions: the same knowledge base and use cases as the chatbot."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chuangye import appkeys as K
from handlers.knowledge_ops.ask import answer_policy_question, search_policies
from handlers.knowledge_ops.feedback import MAX_COMMENT, record_feedback
from handlers.knowledge_ops.sync import refresh_quietly
from handlers.validation import COUNTIES

from api.registry import Call, Routes
from api.schemas import In, Out, plain

routes = Routes("政策问答", "创业政策检索与问答，与公众号聊天使用同一知识库，答案相同")


class SearchQuery(In):
    q: str = Field(..., title="关键词", description="要检索的问题或关键词", min_length=1, max_length=200)
    top: int = Field(5, title="条数", description="返回的条数（1–20）", ge=1, le=20)


class SearchHit(Out):
    id: str = Field(description="段落编号")
    title: str = Field(description="文件名与章节")
    snippet: str = Field(description="段落摘要")
    source: str = Field(description="原文出处（网址）")
    score: float = Field(description="相关度，越大越相关")


class SearchResults(Out):
    results: list[SearchHit] = Field(description="按相关度从高到低排列")


County = Literal[COUNTIES]  # type: ignore[valid-type]


class Question(In):
    question: str = Field(..., title="问题", description="用大白话提问即可", min_length=1, max_length=500)
    county: County | None = Field(None, title="所在县市",
                                  description="提问人所在县市（知道时填）：优先用本县市的文件，不用其他县市的文件")


class SourceOut(Out):
    id: str
    title: str
    source: str


class AnswerOut(Out):
    answer: str = Field(description="回答正文（不超过一条微信消息的长度），注明出处")
    sources: list[SourceOut]
    confident: bool = Field(description="false 表示没有把握，正文会建议预约窗口或转人工")
    answer_id: int | None = Field(description="这次回答的编号，用于反馈“有用/没用”；记录失败时为空")


class FeedbackIn(In):
    helpful: bool = Field(..., title="是否有用", description="true 有用 / false 没用；再次提交会覆盖上一次")
    comment: str | None = Field(None, title="意见", description="可选的补充意见", max_length=MAX_COMMENT)


class FeedbackOut(Out):
    answer_id: int
    helpful: bool


@routes.get("/policies/search", summary="检索创业政策", query=SearchQuery, response=SearchResults)
async def search(call: Call) -> dict:
    await refresh_quietly(call.resource(K.EXTRA), call.resource(K.KB), call.resource(K.STORE))
    hits = search_policies(call.resource(K.KB), call.query.q, call.query.top)
    return {"results": [plain(h) for h in hits]}


@routes.post("/ask", summary="提问（与公众号同一答案）", body=Question, response=AnswerOut)
async def ask(call: Call) -> dict:
    await refresh_quietly(call.resource(K.EXTRA), call.resource(K.KB), call.resource(K.STORE))
    answer = await answer_policy_question(call.resource(K.KB), call.body.question, channel="api",
                                          county=call.body.county, assistant=call.request.config_dict.get(K.LLM),
                                          asking=call.request.config_dict.get(K.ASK))
    return {"answer": answer.text, "sources": [plain(s) for s in answer.sources], "confident": answer.confident,
            "answer_id": answer.answer_id}


@routes.post("/ask/{answer_id}/feedback", summary="对回答反馈“有用/没用”（同一回答以最后一次为准）", body=FeedbackIn,
             response=FeedbackOut, errors={404: "没有这条回答（not_found）"})
async def feedback(call: Call) -> dict:
    """A 没用 answer goes to the staff's unanswered-question list with the segment it used."""
    recorded = await record_feedback(call.path["answer_id"], call.body.helpful, call.body.comment,
                                     asking=call.request.config_dict.get(K.ASK))
    return {"answer_id": recorded.answer_id, "helpful": recorded.helpful}
