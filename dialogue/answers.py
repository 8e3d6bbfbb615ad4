"""How a message answers the assistant's question: yes, no, not now, later, leave, pick one.

The classifier's intent comes first; the words themselves decide when it is unsure or when the
answer carries more ("yes please, but can it be next week?" is a yes with a wish attached).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence

from dialogue.turn import Turn


class Answer(enum.Enum):
    YES = "yes"
    NO = "no"
    NOT_NOW = "not_now"
    LATER = "later"
    LEAVE = "leave"
    UNDO = "undo"
    NONE = "none"  # not an answer to a yes/no question


_INTENT_ANSWERS = {
    "affirm": Answer.YES,
    "deny": Answer.NO,
    "not_now": Answer.NOT_NOW,
    "remind_later": Answer.LATER,
    "never_mind": Answer.LEAVE,
    "undo": Answer.UNDO,
}
# Intents that only answer a question; any other intent is a request of its own.
ANSWER_INTENTS = frozenset(_INTENT_ANSWERS)
_YES = re.compile(
    r"^(?:y|ye|yes+|yeah|yea|yep|yup|ya|yah|sure|ok+|okay|okey|k|kk|alright|all right|fine|"
    r"please|pls|plz|go ahead|go for it|do it|sounds good|correct|right|absolutely|definitely|"
    r"of course|why not|affirmative|yes please|that's right|thats right|that "
    r"one|ja|jawohl|oui|si|sí|da|tak|sim|👍|✅)(?![\w'])",
)
_NO = re.compile(
    r"^(?:no+|nope|nah|nay|naw|not really|no thanks|no thank "
    r"you|dont|don't|never|negative|nein|non|nee|nie|não|👎|❌)(?![\w'])"
)
_NOT_NOW = re.compile(
    r"\b(?:not now|not right now|not rn|not at the moment|not today|another time|not yet)\b"
)
_LATER = re.compile(
    r"\b(?:later|remind me|next week|tomorrow|next month|in a (?:few|couple of) (?:days|weeks)|"
    r"on (?:mon|tues|wednes|thurs|fri|satur|sun)day|ask me again)\b"
)
# "ok remind me in 2 weeks", "sure, ask me again later": agreeing to be asked again, which is no yes.
_REMIND_ME = re.compile(
    r"\b(?:remind me|ask me again|ask me later|get back to me)\b(?! (?:what|which|how|who))"
)
# Leaving whatever is going on; a bare "stop" counts only here (inside a question or form).
_LEAVE = re.compile(
    r"^(?:forget it|forget about it|never ?mind|nvm|nevermind|cancel that|cancel it|scrap that|leave it|"
    r"skip it|skip|stop|stop it|quit|exit|abort|drop it|i changed my mind)\b[\s.!]*$"
)
# The same at the start of a longer message: "nah forget it, ill keep it", "actually leave it".
_LEAVE_START = re.compile(
    r"^(?:(?:no|nah|nope|ok|okay|oh|well)\s+)?(?:forget it|forget about it|never ?mind|nvm|nevermind|"
    r"cancel that|scrap that|leave it|don'?t bother|dont worry about it|i changed my mind)\b"
)
# Words people put before their answer: "hmm no", "actually yes", "oh ok".
_FILLER = re.compile(r"^(?:(?:hmm+|hm+|um+|uh+|erm|er|oh|ah|well|actually|so|right|ok so|okay so)[\s,.!]+)+")
_UNDO = re.compile(
    r"^(?:undo|undo (?:that|it|this)|revert(?: that| it)?|reverse (?:that|it)|put it back|"
    r"that'?s not what i (?:meant|wanted|asked)|thats not what i (?:meant|wanted|asked)|not what i meant)\b"
)
_QUESTION_START = re.compile(
    r"^(?:what|whats|when|where|wheres|how|hows|why|which|who|is|are|does|do|did|can|could|will|would|has|have)\b"
)
_BARE_STOP = re.compile(r"^\s*stop[\s.!]*$", re.IGNORECASE)
_ORDINALS = {
    "first": 0, "1st": 0, "one": 0, "second": 1, "2nd": 1, "two": 1, "third": 2, "3rd": 2, "three": 2,
    "fourth": 3, "4th": 3,
}  # fmt: skip
# A "no" inside the answer: "ok then no thank you" starts like a yes but declines.
_NEGATION = re.compile(r"\b(?:no|nope|nah|not|don'?t|dont|do not|never|rather not|no thanks?)\b")
# Number words are ordinals only where they name a choice ("number two", "option 1", "the 2nd"):
# "which one do you think" picks nothing.
_NUMBER_WORD_CHOICE = re.compile(r"\b(?:number|option|order) (one|two|three)\b|^(one|two|three)$")
_OTHER = re.compile(r"\b(?:the )?other (?:one|order)\b|\bnot (?:that|this) one\b")
_LATEST = re.compile(r"\b(?:latest|last|newest|most recent|recent one|the new one|current)\b")


def classify(turn: Turn) -> Answer:
    """What `turn` says as an answer to a yes/no question.

    The words decide first where they are unmistakable (a leading "no", "yes", "forget it");
    the classifier's intent decides the rest.
    """
    words = _FILLER.sub("", turn.words)
    if _LEAVE.match(words) or _LEAVE_START.match(words):
        return Answer.LEAVE
    if _UNDO.match(words):
        return Answer.UNDO
    by_intent = _INTENT_ANSWERS.get(turn.intent)
    if by_intent in (Answer.LEAVE, Answer.UNDO):
        return by_intent
    if _NOT_NOW.search(words):
        return Answer.NOT_NOW
    if _REMIND_ME.search(words) and not _NO.match(words):
        return Answer.LATER
    if _NO.match(words):
        return Answer.NO
    if by_intent is Answer.NO and _NEGATION.search(words):
        return Answer.NO
    if _YES.match(words):
        return Answer.YES
    if by_intent is not None:
        return by_intent
    if _LATER.search(words) and len(words.split()) <= 6:
        return Answer.LATER
    return Answer.NONE


def plain_yes(turn: Turn) -> bool:
    """A yes with nothing else attached: what confirming an order change or a purchase takes.

    "ok but where is my parcel?" starts like a yes but asks something else: it must not
    cancel an order.
    """
    words = _FILLER.sub("", turn.words)
    if _REMIND_ME.search(words):
        return False  # "ok remind me next week" at "shall I order it?" orders nothing
    if turn.intent == "affirm" and not is_question(turn):
        return True
    if _NEGATION.search(words):
        return False
    return classify(turn) is Answer.YES and len(words.split()) <= 5 and not is_question(turn)


def said_leave(turn: Turn) -> bool:
    """ "forget it", "never mind", "stop" said in so many words: leaving, whatever the classifier says."""
    words = _FILLER.sub("", turn.words)
    return bool(_LEAVE.match(words) or _LEAVE_START.match(words))


def is_bare_stop(text: str) -> bool:
    return bool(_BARE_STOP.match(text))


def is_leave(turn: Turn) -> bool:
    return classify(turn) is Answer.LEAVE


def pick(turn: Turn, options: Sequence[str], current: str | None = None) -> str | None:
    """Which of `options` (shown in this order) the answer picks: by value, ordinal or "the latest";
    "the other one" is the option that is not `current` (the one just talked about), when two are shown.
    """
    for value in turn.entities.get("order_number", []) + turn.entities.get("choice", []):
        if value in options:
            return value
    if _OTHER.search(turn.words):
        others = [o for o in options if o != current]
        return others[0] if current in options and len(others) == 1 else None
    number_words = {m.group(1) or m.group(2) for m in _NUMBER_WORD_CHOICE.finditer(turn.words)}
    words = turn.words.split()
    for word in words:
        if word in ("one", "two", "three") and word not in number_words:
            continue
        if word in _ORDINALS:
            index = _ORDINALS[word]
            if -len(options) <= index < len(options):
                return options[index]
    if options and _LATEST.search(turn.words):
        return options[0]
    return None


def is_question(turn: Turn) -> bool:
    return turn.text.rstrip().endswith("?")


def sounds_like_question(turn: Turn) -> bool:
    """Ends with a question mark, or starts like one ("how long till my bank shows it")."""
    return is_question(turn) or bool(_QUESTION_START.match(turn.words))
