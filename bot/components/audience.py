"""Resolves who needs help into one `audience` entity that fills the `audience` slot.

The entity tagger (a CRF) tags the words that show who needs help with an entity named after
the audience ("[my wife](man)", "[I'm gay](lgbt)", "[my sister](friend_family)"). Some
situations name the audience by themselves (worried about someone, own behaviour, forced
marriage). This component turns those cues into a single `audience` entity with a canonical
value, so the slot mapping is one line and a message with several cues gets one answer by a
fixed priority.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.safety import BEFORE_ESCALATION, BESIDES_DANGER

# The situation decides first (a person asking about their own behaviour is helped by a
# behaviour line whatever their gender); a same-sex cue beats a partner-role guess.
PRIORITY = ["forced_marriage", "perpetrator", "friend_family", "lgbt", "man", "woman"]
INTENT_AUDIENCE = {
    "forced_marriage": "forced_marriage",
    "own_behaviour": "perpetrator",
    "worried_about_someone": "friend_family",
}
AUDIENCE_ENTITY = "audience"
# A situation intent names the audience only when the classifier is fairly sure of it: a wrong
# "perpetrator" label would send a person being hurt to a line for people who hurt others.
INTENT_CONFIDENCE = 0.6
# When danger is the answer, the situation can still be read from the rest of the message
# (SafetyEscalation's BESIDES_DANGER), if the rest held at least this share of the classifier's
# confidence: a forced marriage or a friend's danger. Never the writer's own behaviour: "she's
# punching me and I don't want to hit back" is a person being hurt.
SITUATIONS_BESIDE_DANGER = {"forced_marriage", "worried_about_someone"}
BESIDE_DANGER_SHARE = 0.25
NOT_ABOUT_ABUSE = {"out_of_scope", "chitchat"}
ABOUT_THE_WRITER = {
    "danger_now",
    "child_danger",
    "inform_audience",
    "cant_talk",
    "suicidal",
    "medical_emergency",
    "abuse_recent",
    "nowhere_safe",
    "abuse_ongoing",
    "cant_phone",
    "police_let_down",
    "children_involved",
    "ask_help",
    # A question or a hello can still tell the story: "hi, my husband hits me, who's open?"
    "ask_phone_number",
    "ask_open_now",
    "safe_now",
    "greet",
}
# Likewise for a word tagged as an audience cue.
CUE_CONFIDENCE = 0.5
# Intents that, when sure (INTENT_CONFIDENCE) and the writer says who they are, tell the writer's
# own story: a relative or friend named in it is part of the story, not the person the help is
# for. Without the self-description, "my sister has just fled and needs a bed tonight" is
# someone else's. (Danger now is not among them: "my mate is being hit right now".)
OWN_STORY = {"abuse_recent", "abuse_ongoing", "nowhere_safe", "cant_phone", "police_let_down"}
# The tagger's tags are trusted as they were trained: short answers to "who is it for?", and
# phrases such as "my wife" or "I'm a man". On long posts it also tags lone words ("I", "love") as
# cues, and a person being hurt must not be taken for the one hurting, so a tag counts when
# the message answers "who is it for?", or the tag is a phrase of two words or more, or one of
# these words; and the audiences that change the whole answer (someone who hurts others,
# forced marriage, someone else) count from a tag only when the situation agrees.
TAGGER = "SavedCRFEntityExtractor"
# Words that say LGBT+ by themselves ("binary" from non-binary, "same" from same-sex).
ONE_WORD_CUES = set(
    (
        "gay lesbian bisexual bi trans transgender queer nonbinary binary nb enby pansexual "
        "genderqueer ftm mtf lgbt lgbtq same transitioned transitioning asexual aromantic aroace"
    ).split()
)
# The audiences by which a writer describes themselves.
SELF = ("man", "woman", "lgbt")
GENDERED = set(
    (
        "man men guy guys bloke blokes male lad lads dad father woman women girl girls female "
        "lady ladies mum mam mom mother pregnant daddy mummy grandmother grandma gran nan granny "
        "grandad grandfather boy boys lass"
    ).split()
)
TAG_NEEDS_INTENT = {
    "perpetrator": {"inform_audience", "own_behaviour"},
    # The tagger also tags "my work", "my ex girlfriend" as someone else: such a tag counts when
    # the situation agrees or it names someone else (config `other_people_words`: "my sister").
    "friend_family": {"inform_audience", "worried_about_someone"},
    "forced_marriage": {"inform_audience", "forced_marriage", "worried_about_someone"},
}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class AudienceResolver(GraphComponent):
    """Adds an `audience` entity from audience cues; the cues themselves are left in place."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"partner_words": {}, "other_people_words": []}

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        # word → audience, from config.yml: used only when no cue was tagged at all.
        self.partner_words: dict[str, str] = {
            word.lower(): audience
            for audience, words in ((config or {}).get("partner_words") or {}).items()
            for word in words
        }
        self.other_people_words = {
            word.lower() for word in (config or {}).get("other_people_words") or []
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AudienceResolver:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            # Split into words once: every reading below looks at them.
            text = (message.get(TEXT) or "").lower()
            found = list(WORD.finditer(text))
            read = Words(text, found)
            words = read.words
            described = self._self_described(message, [w.start() for w in found])
            partners = self._partners(read, described)
            about_writer = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) in ABOUT_THE_WRITER
            guesses = partners - {""} if about_writer else set()
            # A writer who names their own partner or says who they are tells their own story:
            # "her dad" there is the partner's father, not someone the writer is worried about.
            guesses |= self._someone_else(message, words, bool(partners or described))
            audience = resolve(message, guesses, self._trusted)
            if audience:
                entities = [
                    e for e in message.get(ENTITIES, []) if e.get("entity") != AUDIENCE_ENTITY
                ] + [
                    {
                        "entity": AUDIENCE_ENTITY,
                        "value": audience,
                        # A conclusion about the whole message, not a span of it.
                        "start": 0,
                        "end": 0,
                        "extractor": type(self).__name__,
                    }
                ]
                message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def _self_described(self, message: Message, starts: list[int]) -> set[int]:
        """The words (by index) inside a cue by which the writer says who they are ("wife and
        mother of two", "husband here", "I'm her boyfriend"): there a partner word describes
        the writer, not their partner."""
        inside: set[int] = set()
        for entity in message.get(ENTITIES, []):
            name = entity.get("entity")
            if name in SELF and self._trusted(entity, name, message):
                start, end = entity.get("start") or 0, entity.get("end") or 0
                inside |= {i for i, at in enumerate(starts) if start <= at < end}
        return inside

    def _partners(self, words: Words, described: set[int]) -> set[str]:
        """'my hubby', 'the missus', 'wife's got a knife', 'my abusive husband', 'my kids' dad',
        'my partner (m27)': the audiences the writer's own partner suggests ("" for a partner
        word that says no sex, such as "my partner").

        Only "my ...", "the missus" or a partner word that starts a sentence: in "my sister's
        husband" or "Kayleigh's fella" the partner is someone else's. Not a word by which the
        writer describes themselves (`described`). A partner's sex given in brackets, as forum
        posts give it ("my partner [M27]", "Fiance (f)"), says it outright and wins over the
        word's own reading. The caller uses these only for a message about harm to the writer."""
        guesses = set()
        for i, word in enumerate(words.words):
            if i in described:
                continue
            before = words.sentence_before(i)
            # "my kids dad", "the baby's father" (the apostrophe's "s" is a word of its own).
            child = before[:-1] if before[-1:] == ["s"] else before
            if word in PARENT_OF_CHILD and child[-1:] and child[-1] in CHILDREN:
                if _own_partner(child[:-1]):
                    guesses.add(PARENT_OF_CHILD[word])
                continue
            if word not in self.partner_words and word[-1:] == "s":
                word = word[:-1]  # "my husbands never been this bad"
            if word not in self.partner_words and word not in NEUTRAL_PARTNER:
                continue
            if not (_own_partner(before) or (word in FIRST_PERSON and _nobody_elses(before))):
                continue
            tagged = words.bracketed_sex(i + 1)
            if tagged:
                guesses.add(tagged)
            else:
                guesses.add(self.partner_words.get(word, ""))
        return guesses

    def _someone_else(self, message: Message, words: list[str], own_story: bool) -> set[str]:
        """A worried friend's long post spreads the classifier's confidence thin, below
        INTENT_CONFIDENCE. When worry about someone is still the top reading and the message
        names who ("my sister", "a colleague", "the lady upstairs"), the two together are
        enough. Not in the writer's own story (`own_story`: they name their own partner or say
        who they are): there "our daughter", "her mum" or "a woman" ("bi woman married to a
        woman") are the writer's family, the partner's or the partner, and a thin reading of
        worry is no reason to take the help away from the writer. Someone else named outright
        there ("my sister's husband hits her") is a cue of its own."""
        if own_story or "worried_about_someone" not in situations(message):
            return set()
        whose = SOMEONE_ELSES | {"the"}
        # Neighbours are rarely named with "my": "the couple next door", "one of the mums".
        named = _next_door(words) or any(
            word in self.other_people_words
            and i
            and words[i - 1] in whose
            # "I'm a woman", "as a man": the writer, not someone else.
            and not (words[i - 1] == "a" and i > 1 and words[i - 2] in {"im", "m", "am", "as"})
            for i, word in enumerate(words)
        )
        return {"friend_family"} if named else set()

    def _own_story(self, message: Message) -> bool:
        """Whether the writer says who they are and tells their own story (OWN_STORY)."""
        top = message.get(INTENT) or {}
        return (
            top.get(INTENT_NAME_KEY) in OWN_STORY
            and (top.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= INTENT_CONFIDENCE
            and any(
                e.get("entity") in SELF and self._trusted(e, e["entity"], message)
                for e in message.get(ENTITIES, [])
            )
        )

    def _trusted(self, entity: dict[str, Any], name: str, message: Message) -> bool:
        """Whether a cue counts (see TAGGER above); the cues found by word lists always do."""
        if entity.get("extractor") != TAGGER:
            return True
        if (entity.get("confidence_entity") or 0.0) < CUE_CONFIDENCE:
            return False
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        words = WORD.findall(str(entity.get("value") or "").lower())
        if name in SELF and self.partner_words.keys() & set(words):
            # "my fella" tagged `man` or `lgbt`: a partner's role is read one way, by
            # partner_words, weighed with what the writer says of themselves (_partners):
            # "my boyfriend" and "I'm a lad" together still read as LGBT+.
            return False
        if name in ("man", "woman") and intent != "inform_audience" and not GENDERED & set(words):
            # "Trust issues" or "I" tagged `man` in a long post: only a word that says a gender
            # says one.
            return False
        if name == "lgbt" and (
            "straight" in words
            or (intent != "inform_audience" and not (ONE_WORD_CUES | GENDERED) & set(words))
        ):
            # "straight guy", "my partner" or "50" tagged `lgbt`: an LGBT+ tag needs a word
            # that says so, or two genders ("we're both lads").
            return False
        if name == "friend_family" and ONE_WORD_CUES & set(words):
            # "bi woman married to a woman" tagged as someone else: the writer describing
            # themselves.
            return False
        if name in TAG_NEEDS_INTENT and not situations(message) & TAG_NEEDS_INTENT[name]:
            # "my sister" names someone else even where the situation is unclear; not in the
            # story of a writer who says who they are ("bi girl 18, he made me unfollow my best
            # mate").
            if not (
                name == "friend_family"
                and self.other_people_words & set(words)
                and not self._own_story(message)
            ):
                return False
        one_cue_word = bool(words and words[0] in ONE_WORD_CUES)
        return intent == "inform_audience" or len(words) >= 2 or one_cue_word


# Words before a partner word that make the partner the writer's own; "" is the start of the
# message ("wife's got a knife", "hubby's in the lounge").
OWN = {"", "my", "me", "mi", "the", "our", "wor", "oor"}
# Words that may stand between "my" and a partner word without making the partner someone
# else's: "my abusive husband", "my soon to be ex husband", "my 40 year old boyfriend". A list,
# not any word: in "my boss's husband" or "my mate and her fella" the partner is not the writer's.
DESCRIBING = set(
    (
        "ex abusive violent controlling coercive manipulative possessive aggressive jealous angry "
        "drunk drunken nasty narcissistic narc toxic emotionally physically verbally financially "
        "new current old former proper soon to be now own estranged separated live in common law "
        "long term so called year years yr yo first second third"
    ).split()
)
DESCRIBING_MAX = 5


def _own_partner(before: list[str]) -> bool:
    """Whether the words before a partner word make the partner the writer's own: one of OWN
    comes first, or the message starts, with only DESCRIBING words between."""
    for back, word in enumerate(reversed(before)):
        if word in OWN:
            return True
        if back == DESCRIBING_MAX or (
            word not in DESCRIBING and not re.fullmatch(r"\d+(m|f|yo)?", word)
        ):
            return False
    return True


# Partner words people use of their own partner, even with no "my": "hubby's at the pub".
# Forum shorthand too: DH and DW (dear husband, dear wife), XH and exH (ex-husband).
FIRST_PERSON = {"hubby", "hubbie", "wifey", "missus", "misses", "bf", "gf"} | set(
    "dh dw xh xw exh exw".split()
)
# Words for a partner that say no sex by themselves; "my partner (m27)" says it in brackets.
NEUTRAL_PARTNER = {"partner", "ex", "spouse", "so"}
# "my kids' dad", "my baby mother", "the children's father": the other parent of the writer's
# children, read as a partner word is (config partner_words: "my husband" reads as a woman).
PARENT_OF_CHILD = {
    **dict.fromkeys(("dad", "daddy", "father"), "woman"),
    **dict.fromkeys(("mum", "mam", "mom", "mother", "mama", "mummy"), "man"),
}
CHILDREN = set(
    "kid kids child children childrens son sons daughter daughters baby babys babies twins".split()
)
# A sex tag after a partner word: "(m27)", "[F]", "(33m)".
SEX_TAG = re.compile(r"\d{0,2}(m|f|male|female)\d{0,2}")
SENTENCE_BREAK = re.compile(r"[.!?:;\n]")
OPENING_BRACKET = re.compile(r"\s*[(\[]\s*")


class Words:
    """A message's words (lower case) with where each stands in the text: where its sentence
    starts and what comes between two words."""

    def __init__(self, text: str, found: list[re.Match[str]]) -> None:
        self.text = text
        self.found = found
        self.words = [w.group() for w in found]
        self.sentence_start: list[int] = []
        start = 0
        for i, match in enumerate(found):
            gap = text[found[i - 1].end() : match.start()] if i else ""
            if SENTENCE_BREAK.search(gap):
                start = i
            self.sentence_start.append(start)

    def sentence_before(self, i: int) -> list[str]:
        """The words before word i in its sentence."""
        return self.words[self.sentence_start[i] : i]

    def bracketed_sex(self, i: int) -> str | None:
        """The audience that a sex tag in brackets at word i, just after a partner word, says
        the writer is in: a partner tagged (f) reads as "my wife" does, (m) as "my husband"."""
        if i >= len(self.words) or not (tag := SEX_TAG.fullmatch(self.words[i])):
            return None
        gap = self.text[self.found[i - 1].end() : self.found[i].start()]
        if not OPENING_BRACKET.fullmatch(gap):
            return None
        return "man" if tag.group(1).startswith("f") else "woman"


def _nobody_elses(before: list[str]) -> bool:
    """No possessive just before: "her hubby", "Kayleigh's missus" are someone else's."""
    return not before or before[-1] not in {"her", "his", "their", "your", "s"}


# Words before "sister", "colleague" that make them someone the writer is writing about.
SOMEONE_ELSES = {"my", "our", "a", "her", "his"}


def _next_door(words: list[str]) -> bool:
    return ("next", "door") in pairwise(words)


def resolve(
    message: Message,
    partner: set[str],
    trusted: Callable[[dict[str, Any], str, Message], bool],
) -> str | None:
    """The audience a message shows, or None when it shows none. `partner`: audiences guessed
    from the writer's own partner ("my husband": woman), weighed with the other cues so that
    "I'm a man" and "my boyfriend" together read as LGBT+; `trusted`: whether a cue counts.
    How sure the writer's own behaviour must be read is IntentGuard's to decide, before this."""
    if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) in NOT_ABOUT_ABUSE:
        # "my boyfriend forgot my birthday" says nothing about who needs help with abuse.
        return None
    found = set()
    for entity in message.get(ENTITIES, []):
        name = entity.get("entity")
        if name == AUDIENCE_ENTITY and entity.get("value") in PRIORITY:
            # An explicit choice (a button payload) is the person's own answer: it wins.
            return entity["value"]
        if name in PRIORITY and trusted(entity, name, message):
            found.add(name)
    for intent in _intents(message):
        name = intent.get(INTENT_NAME_KEY)
        if name in INTENT_AUDIENCE and (intent.get("confidence") or 0.0) >= INTENT_CONFIDENCE:
            found.add(INTENT_AUDIENCE[name])
    found |= partner
    if {"man", "woman"} <= found and "lgbt" not in found:
        # "I'm a woman and my girlfriend..." tags both: a same-sex relationship.
        found.add("lgbt")
    return next((a for a in PRIORITY if a in found), None)


# A word, accented letters kept ("mí", "señor"); messages are read in lower case.
WORD = re.compile(r"[\w\u00c0-\u024f]+")


def _intents(message: Message) -> tuple[dict[str, Any], ...]:
    """The message's intent, what it was before danger won, and what else a message in danger
    says when that is a situation naming who needs help (SafetyEscalation)."""
    besides = message.get(BESIDES_DANGER) or {}
    if (
        besides.get(INTENT_NAME_KEY) not in SITUATIONS_BESIDE_DANGER
        or besides.get("share", 0.0) < BESIDE_DANGER_SHARE
    ):
        besides = {}
    return message.get(INTENT) or {}, message.get(BEFORE_ESCALATION) or {}, besides


def situations(message: Message) -> set[str]:
    """The situations a message shows: a worried friend whose message turns out to be about
    danger now is still writing about someone else."""
    return {str(i[INTENT_NAME_KEY]) for i in _intents(message) if i.get(INTENT_NAME_KEY)}
