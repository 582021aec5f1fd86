"""What a complainant's message about a finished case says: that the problem persists (or that
they are not satisfied), thanks or agreement, a satisfaction score, or nothing the product can
tell. Pure. Persisting wins over thanks ("谢谢，但问题还是没解决" reopens); thanks counts only
when the message is little more than thanks, since anything longer may carry new facts that a
person has to read; new facts named as such ("又被扣了") count as persisting."""

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["persists", "satisfied", "neutral", "unclear"]
# What may be left of a message besides its thanks for it still to count as thanks: "非常" or
# "so much", not a sentence that may carry new facts.
LEFT_OVER = {"han": 6, "latin": 14}
_HAN = re.compile(r"[\u3400-\u9fff]")

_PERSISTS = re.compile(
    r"不满意|不太满意|非常不满|没解决|没有解决|未解决|没处理|没有处理|还是|仍然|依然|依旧|再次|又出现|又发生|"
    r"不接受|不认可|不同意|问题还在|没用|不好|很差|太差|差评|又[发被有扣收出来]|新情况|复核|申诉|"
    r"\b(?:not|never|still|again|un)\s*(?:solved|resolved|fixed|happy|satisfied|acceptable)\b|"
    r"\bdissatisfied\b|\bunhappy\b|\bunacceptable\b|\bstill\b|\bagain\b|\bdisagree\b|\bappeal\b|\breview\b",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"谢谢|感谢|多谢|好的|好|收到|知道了|可以|行|没问题|满意|已解决|解决了|"
    r"\b(?:thanks|thank\s+you|thx|ok|okay|fine|got\s+it|great|good|satisfied|solved|resolved)\b",
    re.IGNORECASE,
)
_NEUTRAL = re.compile(r"^(?:一般|还行|凑合|so[\s-]*so|average|neutral)$", re.IGNORECASE)
_SCORE = re.compile(r"^[1-5]$")
_NOISE = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Judged:
    verdict: Verdict
    score: int | None = None  # 1-5, when the message is a score


def judge(words: str, without: tuple[str, ...] = ()) -> Judged:
    """`without`: text to ignore first (the case's reference, which a reply may quote)."""
    text = unicodedata.normalize("NFKC", words or "").strip()
    for part in without:
        text = re.sub(re.escape(part), " ", text, flags=re.IGNORECASE)
    bare = _NOISE.sub("", text)
    if _SCORE.match(bare):
        score = int(bare)
        return Judged("persists" if score <= 2 else "neutral" if score == 3 else "satisfied", score)
    if _PERSISTS.search(text):
        return Judged("persists")
    if _NEUTRAL.match(bare):
        return Judged("neutral")
    left = _NOISE.sub("", _THANKS.sub("", text))
    if bare and _THANKS.search(text) and len(left) <= LEFT_OVER["han" if _HAN.search(left) else "latin"]:
        return Judged("satisfied")
    return Judged("unclear")


_NOTHING = re.compile(
    r"^(?:你好|您好|在吗|在不在|喂|哈喽|嗨|测试|试试|发错了|打错了|不好意思|hi|hello|hey|hallo|yo|test|testing|"
    r"wrong\s*number|sorry|ok|okay|\?|？)+$",
    re.IGNORECASE,
)


_REVIEW = re.compile(r"复核|申诉|复议|上级|\b(?:appeal|review|escalate)\b", re.IGNORECASE)


def asks_for_review(words: str) -> bool:
    """The complainant asks for the decision to be reviewed (an appeal), not just for more handling."""
    return bool(_REVIEW.search(unicodedata.normalize("NFKC", words or "")))


def carries_no_complaint(words: str) -> bool:
    """A first text that says nothing to handle - a greeting, "test", "wrong number" -: a contact
    to answer with a question, not a complaint with deadlines."""
    bare = re.sub(r"[\s.,!。，！~…]+", "", unicodedata.normalize("NFKC", words or "")).strip()
    return not bare or bool(_NOTHING.match(bare))
