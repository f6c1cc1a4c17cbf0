"""Unit tests of the custom Rasa components' own logic, run in Rasa's environment.

`scripts/test.sh` runs this folder with `.venv-rasa` (the API's environment has no Rasa);
the top-level pytest skips it (tests/conftest.py). The flows in tests/flows/ cover the same code
end to end; these say which part broke when one of them fails.
"""

from __future__ import annotations

import numpy as np
import pytest
from components.audience import AudienceResolver
from components.intent_classifier import (
    CLAUSE_DANGER,
    CLAUSES,
    DANGER,
    PASSAGE_DANGER,
    PASSAGES,
    TextIntentClassifier,
    clauses,
    windows,
)
from components.minilm import MAX_TOKENS, load
from components.safety import BEFORE_ESCALATION, BESIDES_DANGER, SafetyEscalation
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


@pytest.mark.parametrize("count", [1, 5, 19, 20, 21, 30, 31, 57, 200])
@pytest.mark.parametrize("size", [4, 20])
def test_windows_cover_every_word_with_half_overlap(count: int, size: int) -> None:
    spans = windows(count, size)
    covered = {i for start, end in spans for i in range(start, end)}
    assert covered == set(range(count))
    assert all(0 < end - start <= size for start, end in spans)
    # Each window starts half a window after the one before, so a phrase cut by one window's
    # edge lies whole inside the next.
    assert [b[0] - a[0] for a, b in zip(spans, spans[1:], strict=False)] == [size // 2] * (
        len(spans) - 1
    )
    # No window lies wholly inside the one before it (no wasted passage).
    assert all(b[1] > a[1] for a, b in zip(spans, spans[1:], strict=False))


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "he punched me on friday and hes doing it again now",
            ["he punched me on friday", "hes doing it again now"],
        ),
        (
            "last nights threats were bad enough but hes here now. smashing things",
            ["last nights threats were bad enough", "hes here now", "smashing things"],
        ),
        (
            "she's home, she broke my finger, she's throwing plates",
            ["she's home", "she broke my finger", "she's throwing plates"],
        ),
        ("im scared for my life", []),  # one clause: the message itself says it all
        ("hes here. help", []),  # a one-word scrap is not a clause
    ],
)
def test_a_shorter_message_is_cut_into_clauses(text: str, parts: list[str]) -> None:
    assert clauses(text) == parts


@pytest.fixture(scope="module")
def minilm():  # type: ignore[no-untyped-def]
    return load()


CALM = "we had a long talk about the holidays and who is picking the kids up from school "


def test_a_long_post_is_encoded_whole_in_windows_cut_between_words(minilm) -> None:  # type: ignore[no-untyped-def]
    text = CALM * 20 + "and now he is outside with a knife"
    encoded = minilm.encode(text)
    assert len(encoded) > 1
    tokenizer = minilm.tokenizer
    pieces = [p for word, _, _ in tokenizer.words(text) for p in tokenizer.pieces(word)]
    inner = [int(i) for window in encoded for i in window.ids[1:-1]]
    assert inner == pieces  # nothing dropped, nothing repeated
    word_starts = {start for _, start, _ in tokenizer.words(text)}
    for window in encoded:
        assert len(window.ids) <= MAX_TOKENS
        assert window.ids[0] == minilm.cls and window.ids[-1] == minilm.sep
        assert window.spans[1][0] in word_starts  # each window begins at a word


def test_the_end_of_a_long_post_changes_its_embedding(minilm) -> None:  # type: ignore[no-untyped-def]
    calm, ending = minilm.sentences([CALM * 20, CALM * 20 + "and now he is outside with a knife"])
    # Cut at 128 pieces, both would be the same text and the same vector.
    assert abs(calm - ending).max() > 1e-3


def _message(ranking: list[tuple[str, float]], passages: list[list[tuple[str, float]]]) -> Message:
    def as_ranking(pairs: list[tuple[str, float]]) -> list[dict]:
        return [{"name": name, "confidence": confidence} for name, confidence in pairs]

    message = Message(data={"text": "a long post"})
    message.set(INTENT, as_ranking(ranking)[0])
    message.set(INTENT_RANKING_KEY, as_ranking(ranking))
    if passages:
        message.set(PASSAGES, [as_ranking(p) for p in passages])
    return message


ESCALATION = {
    "emergency_intents": ["danger_now", "cant_talk"],
    "emergency_mass": 0.35,
    "passage_mass": 0.8,
}


def test_emergency_intents_together_win_over_a_calmer_top_intent() -> None:
    message = _message([("abuse_ongoing", 0.5), ("danger_now", 0.25), ("cant_talk", 0.15)], [])
    SafetyEscalation(ESCALATION).process([message])
    assert message.get(INTENT)["name"] == "danger_now"
    assert message.get(INTENT)["confidence"] == pytest.approx(0.4)
    assert message.get(BEFORE_ESCALATION)["name"] == "abuse_ongoing"


def test_too_little_emergency_mass_leaves_the_message_as_it_was() -> None:
    message = _message([("abuse_ongoing", 0.7), ("danger_now", 0.2), ("ask_help", 0.1)], [])
    SafetyEscalation(ESCALATION).process([message])
    assert message.get(INTENT)["name"] == "abuse_ongoing"
    assert message.get(BEFORE_ESCALATION) is None


@pytest.mark.parametrize(("passage_danger", "escalates"), [(0.85, True), (0.7, False)])
def test_one_passage_sure_of_danger_is_enough(passage_danger: float, escalates: bool) -> None:
    calm = [("ask_help", 0.9), ("danger_now", 0.1)]
    buried = [("danger_now", passage_danger), ("ask_help", 1 - passage_danger)]
    message = _message([("ask_help", 0.95), ("danger_now", 0.05)], [calm, buried, calm])
    SafetyEscalation(ESCALATION).process([message])
    assert (message.get(INTENT)["name"] == "danger_now") is escalates


SECOND_READING = ESCALATION | {"danger_probability": 0.7, "passage_danger_probability": 0.95}


@pytest.mark.parametrize(
    ("ranking", "escalates"),
    [
        # A sure greeting is not overruled by the second reading alone.
        ([("greet", 0.8), ("danger_now", 0.06), ("chitchat", 0.14)], False),
        # A less sure one is.
        ([("greet", 0.5), ("danger_now", 0.06), ("chitchat", 0.44)], True),
        # Nor does a sure greeting hide danger the intents themselves hold.
        ([("greet", 0.6), ("danger_now", 0.4)], True),
    ],
)
def test_a_sure_calm_reading_needs_more_than_the_second_reading(
    ranking: list[tuple[str, float]], escalates: bool
) -> None:
    message = _message(ranking, [])
    message.set(DANGER, 0.8)
    SafetyEscalation(SECOND_READING | {"calm_intents": {"greet": 0.6}}).process([message])
    assert (message.get(INTENT)["name"] == "danger_now") is escalates


@pytest.mark.parametrize(("probability", "escalates"), [(0.75, True), (0.65, False)])
def test_the_second_reading_alone_can_find_danger(probability: float, escalates: bool) -> None:
    # "he's here": the intents read it as safe_now, the danger-or-not reading as danger.
    message = _message([("safe_now", 0.8), ("ask_help", 0.2)], [])
    message.set(DANGER, probability)
    SafetyEscalation(SECOND_READING).process([message])
    # No emergency intent in the ranking at all: the first emergency intent is chosen.
    assert (message.get(INTENT)["name"] == "danger_now") is escalates
    if escalates:
        assert message.get(INTENT)["confidence"] == pytest.approx(probability)
        assert message.get(BEFORE_ESCALATION)["name"] == "safe_now"


@pytest.mark.parametrize(("probability", "escalates"), [(0.97, True), (0.9, False)])
def test_one_passage_sure_of_danger_by_the_second_reading(
    probability: float, escalates: bool
) -> None:
    calm = [("ask_help", 0.9), ("cant_talk", 0.1)]
    message = _message([("ask_help", 0.95), ("cant_talk", 0.05)], [calm, calm])
    message.set(PASSAGE_DANGER, [0.1, probability])
    SafetyEscalation(SECOND_READING).process([message])
    assert (message.get(INTENT)["name"] == "cant_talk") is escalates


@pytest.mark.parametrize(
    ("words", "danger", "kind"),
    [
        (31, 0.0, PASSAGES),  # a long post, however calm
        (30, 0.3, CLAUSES),  # danger left open: each clause is read too
        (30, 0.1, None),  # calm: its clauses would be read for nothing
        (6, 0.2, CLAUSES),
        (5, 0.9, None),  # too short to cut
    ],
)
def test_which_messages_are_read_in_parts(words: int, danger: float, kind: str | None) -> None:
    config = {"long_words": 30, "clause_words": 6, "clause_needs": 0.2}
    classifier = TextIntentClassifier(config, None, None)  # type: ignore[arg-type]
    assert classifier.reading(words, danger) == kind
    assert TextIntentClassifier({}, None, None).reading(20, 1.0) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("clause_danger", "clause_ranking", "escalates"),
    [
        (0.97, [("abuse_recent", 0.9), ("danger_now", 0.1)], True),  # the second reading
        (0.5, [("danger_now", 0.95), ("abuse_recent", 0.05)], True),  # the intents
        (0.9, [("abuse_recent", 0.5), ("danger_now", 0.5)], False),  # neither sure enough
    ],
)
def test_one_clause_sure_of_danger_is_enough(
    clause_danger: float, clause_ranking: list[tuple[str, float]], escalates: bool
) -> None:
    # "he punched me on friday and hes doing it again now", read as recent abuse.
    message = _message([("abuse_recent", 0.8), ("danger_now", 0.2)], [])
    calm = [{"name": "abuse_recent", "confidence": 1.0}]
    clause = [{"name": n, "confidence": c} for n, c in clause_ranking]
    message.set(CLAUSES, [calm, clause])
    message.set(CLAUSE_DANGER, [0.1, clause_danger])
    config = SECOND_READING | {"clause_mass": 0.9, "clause_danger_probability": 0.95}
    SafetyEscalation(config).process([message])
    assert (message.get(INTENT)["name"] == "danger_now") is escalates
    # Without clause thresholds, clauses are not read at all.
    untouched = _message([("abuse_recent", 0.8), ("danger_now", 0.2)], [])
    untouched.set(CLAUSES, [calm, clause])
    untouched.set(CLAUSE_DANGER, [0.1, clause_danger])
    SafetyEscalation(SECOND_READING).process([untouched])
    assert untouched.get(INTENT)["name"] == "abuse_recent"


SOON = ESCALATION | {
    "soon_intents": ["forced_marriage"],
    "soon_pattern": r"\b(in \d+ (hours?|hrs)|at the airport|tonight)\b",
}


@pytest.mark.parametrize(
    ("text", "top", "escalates"),
    [
        (
            "the plane to lahore goes in 3 hrs and the wedding is when we land",
            "forced_marriage",
            True,
        ),
        ("we are at the airport, they say i will marry him there", "forced_marriage", True),
        ("they want me married to my cousin next summer", "forced_marriage", False),
        ("he hit me and tonight im at my mums", "abuse_recent", False),  # only the intents named
    ],
)
def test_a_forced_marriage_within_hours_is_danger_now(text: str, top: str, escalates: bool) -> None:
    message = _message([(top, 0.9), ("ask_help", 0.1)], [])
    message.set("text", text)
    SafetyEscalation(SOON).process([message])
    assert (message.get(INTENT)["name"] == "danger_now") is escalates
    if escalates:
        assert message.get(BEFORE_ESCALATION)["name"] == "forced_marriage"
        # What else it is about is still said: the forced-marriage answer follows 999.
        assert message.get(BESIDES_DANGER)["name"] == "forced_marriage"


def test_a_forced_marriage_within_hours_stays_danger_however_unsure_the_reading() -> None:
    # The fallback (threshold 0.2) must not take back a 999 answer from a thin reading.
    message = _message([("forced_marriage", 0.15), ("ask_help", 0.1)], [])
    message.set("text", "we are at the airport, they say i will marry him there")
    SafetyEscalation(SOON).process([message])
    assert message.get(INTENT)["name"] == "danger_now"
    assert message.get(INTENT)["confidence"] == pytest.approx(SOON["emergency_mass"])


def test_a_message_in_danger_still_says_what_else_it_is_about() -> None:
    message = _message([("danger_now", 0.5), ("forced_marriage", 0.4), ("ask_help", 0.1)], [])
    SafetyEscalation(ESCALATION).process([message])
    besides = message.get(BESIDES_DANGER)
    assert besides["name"] == "forced_marriage"
    assert besides["confidence"] == pytest.approx(0.8)
    assert besides["share"] == pytest.approx(0.5)


def test_a_calm_message_has_nothing_besides_danger() -> None:
    message = _message([("forced_marriage", 0.9), ("danger_now", 0.1)], [])
    SafetyEscalation(ESCALATION).process([message])
    assert message.get(BESIDES_DANGER) is None


CUES = "CueResolver"
TAGGER = "SavedCRFEntityExtractor"


def _audience(
    text: str,
    ranking: list[tuple[str, float]],
    cues: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    guard: bool = False,
) -> str | None:
    """The audience resolved from a message with this intent ranking and these cues, each
    (audience, words of the text, extractor); `guard`: the project's IntentGuard first."""
    message = _message(ranking, [])
    message.set("text", text)
    message.set(
        ENTITIES,
        [
            {
                "entity": name,
                "value": words,
                "start": text.index(words),
                "end": text.index(words) + len(words),
                "extractor": extractor,
                "confidence_entity": 0.9,
            }
            for name, words, extractor in cues
        ],
    )
    if guard:
        from components.intent_guard import IntentGuard

        IntentGuard(_project_config("IntentGuard")).process([message])
    SafetyEscalation(ESCALATION | {"emergency_intents": ["danger_now"]}).process([message])
    AudienceResolver(
        {
            "partner_words": {
                "woman": ["husband", "boyfriend", "hubby", "bf", "dh"],
                "man": ["wife"],
            },
            "other_people_words": ["friend", "woman", "mum"],
        }
    ).process([message])
    found = [e["value"] for e in message.get(ENTITIES, []) if e["entity"] == "audience"]
    return found[0] if found else None


@pytest.mark.parametrize(
    ("ranking", "audience"),
    [
        # Forced marriage held most of what is not danger: it still names who needs help.
        ([("danger_now", 0.55), ("forced_marriage", 0.4), ("ask_help", 0.05)], "forced_marriage"),
        # Too little beside danger to say anything.
        ([("danger_now", 0.85), ("forced_marriage", 0.1), ("ask_help", 0.05)], None),
        # Never the writer's own behaviour: a person being hurt is not the one hurting.
        ([("danger_now", 0.5), ("own_behaviour", 0.45), ("ask_help", 0.05)], None),
    ],
)
def test_the_situation_beside_danger_names_the_audience(
    ranking: list[tuple[str, float]], audience: str | None
) -> None:
    assert _audience("they are taking me now", ranking) == audience


LONG_STORY = "we had a row about the kids and the money and the car again " * 4


def _project_config(name: str) -> dict:  # type: ignore[type-arg]
    """A pipeline component's settings in bot/config.yml."""
    from pathlib import Path

    from rasa.shared.utils.io import read_yaml_file

    root = Path(__file__).resolve().parents[2]
    pipeline = read_yaml_file(root / "bot" / "config.yml")["pipeline"]
    return next(c for c in pipeline if c["name"].endswith(name))


@pytest.mark.parametrize(
    ("text", "confidence", "cues", "audience"),
    [
        ("i keep shouting at her and i want to stop", 0.85, [], "perpetrator"),
        # Read as own behaviour without the writer's own words for what they did, a long post
        # or a short message is not sure enough: the bot asks who the help is for.
        (LONG_STORY, 0.65, [], None),
        (LONG_STORY, 0.78, [], None),
        ("is that controlling or am i overthinking", 0.7, [], None),
        (LONG_STORY, 0.85, [], "perpetrator"),
        # With them, it is.
        (
            f"i pushed her. {LONG_STORY}",
            0.65,
            [("perpetrator", "i pushed her", CUES)],
            "perpetrator",
        ),
    ],
)
def test_an_unsure_reading_of_own_behaviour_names_no_one_who_hurts_others(
    text: str, confidence: float, cues: list[tuple[str, str, str]], audience: str | None
) -> None:
    ranking = [("own_behaviour", confidence), ("abuse_ongoing", 1 - confidence)]
    assert _audience(text, ranking, cues, guard=True) == audience


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        ("my husband is hitting me", "woman"),
        ("my abusive soon to be ex husband is here", "woman"),
        ("my 40 year old boyfriend has a knife", "woman"),
        ("he was my first proper boyfriend and he has a knife", "woman"),
        ("wife has got a knife", "man"),
        ("my sister's husband is hitting her", None),
        ("my mate and her boyfriend are fighting", None),
        ("my boss's husband is here", None),
        ("me and the kids need out, hubby's at the pub", "woman"),
        ("her hubby is at the door", None),
        # A partner word that starts a sentence, not only the message.
        ("been together six years. husband drinks and hits me", "woman"),
        ("TL;DR: Boyfriend throws things at me", "woman"),
        ("my mate came round. her husband is vile", None),
        # The other parent of the writer's children.
        ("my kids dad hit me again", "woman"),
        ("the baby's mother is hitting me", "man"),
        ("my friend's kids dad hits her", None),
        # A sex given in brackets after a partner word says it outright.
        ("my partner (m27) shouts at me", "woman"),
        ("wife [30F] threw a plate", "man"),
        ("my partner is 27 and shouts", None),
        # Possessive without the apostrophe, and forum shorthand.
        ("my husbands never been this bad", "woman"),
        ("DH checks my phone every night", "woman"),
        ("her DH checks my phone", None),
    ],
)
def test_the_writers_own_partner_with_words_between(text: str, audience: str | None) -> None:
    assert _audience(text, [("danger_now", 0.9), ("abuse_recent", 0.1)]) == audience


ABUSE = [("abuse_ongoing", 0.8), ("ask_help", 0.2)]


@pytest.mark.parametrize(
    ("text", "cues", "audience"),
    [
        # A partner word in the writer's own self-description describes the writer.
        ("wife and mother of two, he hits me", [("woman", "wife and mother", CUES)], "woman"),
        ("husband here. wife threatens me", [("man", "husband here", CUES)], "man"),
        # Outside it, the partner word still counts: a woman writing of her wife.
        ("im a woman and my wife hits me", [("woman", "im a woman", CUES)], "lgbt"),
        # Without the cue, "wife" reads as the writer's own partner.
        ("wife and mother of two, he hits me", [], "man"),
        # "bf" with no "my" is the writer's own, as people text it.
        ("31M hiding upstairs, bf has smashed the kitchen", [("man", "31M", CUES)], "lgbt"),
        ("31M hiding upstairs, her bf smashed it", [("man", "31M", CUES)], "man"),
    ],
)
def test_a_partner_word_by_which_the_writer_describes_themselves(
    text: str, cues: list[tuple[str, str, str]], audience: str | None
) -> None:
    assert _audience(text, ABUSE, cues) == audience


@pytest.mark.parametrize(
    ("text", "cues", "audience"),
    [
        # The tagger's `lgbt` needs a word that says so, or genders.
        ("gay lad and he controls my money", [("lgbt", "gay lad", TAGGER)], "lgbt"),
        ("we're both lads and he controls me", [("lgbt", "we're both lads", TAGGER)], "lgbt"),
        ("my partner controls my money", [("lgbt", "my partner", TAGGER)], None),
        ("straight guy, she controls my money", [("lgbt", "straight guy", TAGGER)], None),
        ("im non-binary and they control me", [("lgbt", "non-binary", TAGGER)], "lgbt"),
    ],
)
def test_an_lgbt_tag_needs_a_word_that_says_so(
    text: str, cues: list[tuple[str, str, str]], audience: str | None
) -> None:
    assert _audience(text, ABUSE, cues) == audience


def test_a_someone_else_tag_on_words_that_say_lgbt_is_the_writer() -> None:
    text = "bi woman married to a woman, she has a knife"
    cues = [("friend_family", "bi woman married", TAGGER)]
    # Danger now: the writer's own story is not known, so only the words can tell.
    assert _audience(text, [("danger_now", 0.9), ("abuse_recent", 0.1)], cues) is None
    cues = [("friend_family", "my mate is a woman", TAGGER)]
    text = "my mate is a woman and she has a knife"
    assert _audience(text, [("danger_now", 0.9), ("abuse_recent", 0.1)], cues) == "friend_family"


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        ("im a woman and i dont know what to do", None),
        ("a woman i work with is being hit", "friend_family"),
        ("my friend is being hit", "friend_family"),
    ],
)
def test_the_writer_saying_who_they_are_is_not_someone_else(
    text: str, audience: str | None
) -> None:
    # Worry about someone, but not sure enough to name the audience by itself.
    ranking = [("worried_about_someone", 0.45), ("abuse_ongoing", 0.4), ("ask_help", 0.15)]
    assert _audience(text, ranking) == audience


def test_in_the_writers_own_story_a_thin_worry_is_not_someone_else() -> None:
    ranking = [("worried_about_someone", 0.45), ("abuse_ongoing", 0.4), ("ask_help", 0.15)]
    text = "bi woman married to a woman, she says no one would believe me"
    assert _audience(text, ranking, [("lgbt", "bi woman", CUES)]) == "lgbt"
    text = "bi woman married to a woman, my friend is worried about me"
    assert _audience(text, ranking, [("lgbt", "bi woman", CUES)]) == "lgbt"
    # Not telling their own story, the writer names someone else.
    assert _audience("a woman at work, she says he hits her", ranking) == "friend_family"


def test_the_entity_tagger_is_loaded_as_trained_not_fitted_again(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from components.entity_tagger import SavedCRFEntityExtractor
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from scipy.sparse import csr_matrix

    def example(text: str, cue: str | None = None) -> Message:
        entities = []
        if cue:
            start = text.index(cue)
            entities = [{"start": start, "end": start + len(cue), "value": cue, "entity": "man"}]
        return Message(data={"text": text, "intent": "inform_audience", "entities": entities})

    short = [example(f"{w} my wife hit me", "my wife") for w in ("yes", "well", "so", "help")]
    short += [example(f"{w} i need help") for w in ("please", "now", "today", "so")]
    long_post = example(" ".join(["my wife and i talk about the weather"] * 6))
    data = TrainingData(training_examples=[*short, long_post])
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    for m in data.training_examples:  # Rasa's CRF trains only on featurized messages
        m.add_features(Features(csr_matrix(np.ones((1, 1))), "sentence", "text", "test"))

    storage = LocalModelStorage(tmp_path)
    resource = Resource("tagger")
    context = ExecutionContext(graph_schema=None, model_id="m")  # type: ignore[arg-type]
    config = {**SavedCRFEntityExtractor.get_default_config(), "max_unannotated_words": 10}
    trained = SavedCRFEntityExtractor.create(config, storage, resource, context)
    fitted_on: list[int] = []
    fit = CRFEntityExtractor.train_model.__func__  # type: ignore[attr-defined]

    def counting_fit(cls, dataset, *args):  # type: ignore[no-untyped-def]
        fitted_on.append(len(dataset))
        return fit(cls, dataset, *args)

    monkeypatch.setattr(CRFEntityExtractor, "train_model", classmethod(counting_fit))
    trained.train(data)
    assert fitted_on == [len(short)]  # the long unannotated post was left out

    loaded = SavedCRFEntityExtractor.load(config, storage, resource, context)
    assert fitted_on == [len(short)]  # loading fitted nothing again

    def tags(tagger: SavedCRFEntityExtractor) -> list[tuple[str, str, float]]:
        message = Message(data={"text": "so my wife hit me"})
        WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
        message.add_features(Features(csr_matrix(np.ones((1, 1))), "sentence", "text", "test"))
        tagger.process([message])
        return [(e["entity"], e["value"], e["confidence_entity"]) for e in message.get(ENTITIES)]

    assert tags(loaded) == tags(trained)
    assert [t[:2] for t in tags(loaded)] == [("man", "my wife")]


@pytest.mark.parametrize(
    ("text", "cued"),
    [
        ("i hit her last night and i hate myself", True),
        ("she says i hit her but i never have", False),
        ("she'll tell everyone i hit her", False),
        # The first match was reported speech; a later one in the message is the writer's.
        ("she says i hit her. the truth is i hit her first", True),
        # A word from the list in another sentence does not count.
        ("he said sorry. i hit her", True),
        # Nor one the writer says of themselves.
        ("i said i hit her and i meant it", True),
        ("i told them i hit her", True),
        ("she told them i hit her", False),
    ],
)
def test_a_cue_does_not_count_just_after_reported_speech(text: str, cued: bool) -> None:
    from components.cues import CueResolver

    resolver = CueResolver(
        {
            "cues": {"cue_perpetrator": {"perpetrator": "perpetrator"}},
            "not_after": {"cue_perpetrator": ["says", "tell", "said", "told"]},
        },
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        {"cue_perpetrator": [r"\b(?:i hit her)\b"]},
    )
    message = Message(data={"text": text})
    resolver.process([message])
    assert [e["entity"] for e in message.get(ENTITIES, [])] == (["perpetrator"] if cued else [])


@pytest.mark.parametrize(
    ("ranking", "audience"),
    [
        # Sure it is the writer's own story: "my mum" is someone in it.
        ([("abuse_ongoing", 0.9), ("ask_help", 0.1)], None),
        # Danger now may be someone else's.
        ([("danger_now", 0.9), ("abuse_recent", 0.1)], "friend_family"),
        # Not sure whose story it is: the name counts.
        ([("abuse_ongoing", 0.5), ("ask_help", 0.5)], "friend_family"),
    ],
)
def test_someone_named_in_the_writers_own_story(
    ranking: list[tuple[str, float]], audience: str | None
) -> None:
    text = "im a lad and he made me stop seeing my mum"
    cues = [("man", "im a lad", CUES), ("friend_family", "my mum", TAGGER)]
    assert _audience(text, ranking, cues) == (audience or "man")
    # Without saying who they are, the person named may be the one the help is for.
    text = "my mum has fled and needs a bed tonight"
    assert _audience(text, ranking, [("friend_family", "my mum", TAGGER)]) == "friend_family"


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        # The writer names their own partner: "her mum" is the partner's mother.
        ("my wife's family are worried and her mum keeps ringing me", None),
        ("my partner says i should leave him, his mum agrees", None),
        # Nor, on a thin reading of worry, "my mum": the writer's own story is the one told.
        ("my wife's family are worried and my mum keeps ringing me", None),
        # No partner of the writer's: "her mum" is someone the writer writes about.
        ("im worried, her mum keeps hitting her", "friend_family"),
        # Nor "the woman" or whoever lives next door; in the writer's own story they are not.
        ("the woman at the school gate has bruises again", "friend_family"),
        ("the couple next door are at it again, he was hitting her", "friend_family"),
        ("my wife's family are worried, she says the woman upstairs heard", None),
        ("my wife shouts so loud the people next door complained", None),
    ],
)
def test_the_partners_family_in_the_writers_own_story(text: str, audience: str | None) -> None:
    # Worry about someone is the top reading, but not sure enough to name the audience itself.
    ranking = [("worried_about_someone", 0.45), ("abuse_ongoing", 0.4), ("ask_help", 0.15)]
    cues = [("man", "my wife", TAGGER)] if "my wife" in text else []
    assert _audience(text, ranking, cues) == audience


def test_reported_speech_ends_with_its_clause() -> None:
    from components.cues import CueResolver

    resolver = CueResolver(
        {
            "cues": {"cue_perpetrator": {"perpetrator": "perpetrator"}},
            "not_after": {"cue_perpetrator": ["say"]},
        },
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        {"cue_perpetrator": [r"\b(?:pushed her)\b"]},
    )
    found = []
    for text in ("whatever people say, i pushed her", "they all say i pushed her"):
        message = Message(data={"text": text})
        resolver.process([message])
        found.append([e["entity"] for e in message.get(ENTITIES, [])])
    assert found == [["perpetrator"], []]


@pytest.fixture(scope="module")
def project_cues(tmp_path_factory):  # type: ignore[no-untyped-def]
    """CueResolver trained as `make train` trains it: config.yml's settings, data/nlu's patterns."""
    from pathlib import Path

    from components.cues import CueResolver
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.loading import load_data

    root = Path(__file__).resolve().parents[2]
    config = _project_config("CueResolver")
    storage = LocalModelStorage(tmp_path_factory.mktemp("cues"))
    resource = Resource("cues")
    context = ExecutionContext(graph_schema=None, model_id="m")  # type: ignore[arg-type]
    resolver = CueResolver.create(config, storage, resource, context)
    resolver.train(load_data(str(root / "data" / "nlu")))
    return CueResolver.load(config, storage, resource, context)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("i think i'm being controlling with my girlfriend and i hate it", "perpetrator"),
        ("i know i've been abusive to him for years", "perpetrator"),
        # What the writer does, said in the first person.
        ("i smashed her phone on sunday and she's gone to her mums", "perpetrator"),
        ("i monitor what she spends and i read her emails", "perpetrator"),
        ("i make her send me pics of where she is", "perpetrator"),
        ("same as last time when i put her against the wall", "perpetrator"),
        ("i've already thrown a glass at my husband", "perpetrator"),
        # The same acts done to the writer, or the writer keeping safe.
        ("he smashed my phone and made me send him pics", None),
        ("i hid his car keys so he couldn't drive drunk", None),
        # LGBT+, said in passing.
        ("i'm a 45 year old trans woman and my partner controls me", "lgbt"),
        ("me and my wife are both women and she checks my phone", "lgbt"),
        ("civil partnership, both men, together ten years", "lgbt"),
        ("i'm not out to my family and he uses that", "lgbt"),
        ("he says he'll out me to my dad", "lgbt"),
        ("i came out at 47 and met him online", "lgbt"),
        ("my husband and i are both retired now", None),
        # Two daughters are not a same-sex couple.
        ("i'm 38 with two girls and he keeps the bank card", None),
        # What a partner does to the writer.
        ("she throws things at me when she's had a drink", "harmed"),
        ("my wife has always slapped me", "harmed"),
        ("he's been violent towards me for years", "harmed"),
        ("he has never hit me but he controls the money", None),
        ("she's already hit me twice this week", "harmed"),
        ("lately she's started getting physical when she drinks", "harmed"),
        # Someone else's partner hurting them.
        ("she turned up at mine, her partner threw her out after a row", "friend_family"),
        ("his wife has been hitting him for years", "friend_family"),
        ("her ex was nice to her at first", None),
        ("she drinks and she's someone else. pushes me, breaks things", "harmed"),
        ("she said she'd tell everyone i'd hit her if i left", "harmed"),
        ("shell kill herself if i go to uni", "harmed"),
        ("if i move out he's going to kill himself", "harmed"),
        ("i tell her what to wear and who she can talk to", "perpetrator"),
        ("says her partner kicked them out and threatened her", "friend_family"),
        ("he ended up with stitches because i pushed him", "perpetrator"),
        ("i have pushed her a few times when we were younger", "perpetrator"),
        ("my ex got a non-mol against me last month", "perpetrator"),
        ("she got a restraining order against me on lies", None),
        ("he's got a false non-mol against me", None),
        ("i keep losing it with my fella and i hate myself", "perpetrator"),
        ("i've been violent to the woman i love", "perpetrator"),
        ("he keeps losing it with me", None),
        # A childhood memory is not worry about a relative now.
        ("i grew up with my dad hitting my mum and now my husband does it to me", None),
        ("my dad hit my mum when i was little, now it's me", None),
        ("my dad hit my mum last night and she won't call anyone", "friend_family"),
        # An age-sex tag that opens a post, and one that says LGBT+.
        ("(29m, married) my wife controls every penny", "man"),
        ("me (30, nb) and my partner have been together 4 years", "lgbt"),
        ("i (25, bi) live with my girlfriend", "lgbt"),
        # Who the writer is, said with a word between: "as a new mum".
        ("as a new mum i feel like im failing at everything", "woman"),
        ("as a first-time dad i dont know who to ask", "man"),
        # A marriage's name, however it is spelt.
        ("they are planning my nikkah for the summer", "forced_marriage"),
        ("my nikah is booked and i never said yes", "forced_marriage"),
        # Plain words for a forced marriage: a stranger, no say.
        ("they want her to marry a lad from lahore she has never met", "forced_marriage"),
        ("the engagement was sorted without my consent", "forced_marriage"),
        ("we got married in june and i never regretted it", None),
        # What the writer does, in plain words.
        ("trashed the kitchen last night and the kids saw", "perpetrator"),
        ("he trashed the kitchen last night and the kids saw", None),
        ("i've been getting really nasty with my girlfriend lately", "perpetrator"),
        ("is it abuse if i check where she is every hour", "perpetrator"),
        ("is it abuse if he checks where i am every hour", None),
        ("ive always had a short fuse and shes frightened", "perpetrator"),
        ("she tells people i have a bad temper", None),
        # Someone else in trouble now: a call, a code word, a neighbour.
        ("my sister just rang me from a car park, she's hiding from her fella", "friend_family"),
        ("my mate has sent me our code word, i think he's back", "friend_family"),
        ("the woman in the flat above is screaming and something smashed", "friend_family"),
        ("my mum just rang me, he's outside my door now", None),
    ],
)
def test_the_projects_audience_cues(project_cues, text: str, cue: str | None) -> None:  # type: ignore[no-untyped-def]
    message = Message(data={"text": text})
    project_cues.process([message])
    cues = {"perpetrator", "friend_family", "lgbt", "man", "woman", "forced_marriage", "harmed"}
    found = [e["entity"] for e in message.get(ENTITIES, []) if e["entity"] in cues]
    assert found == ([cue] if cue else [])


@pytest.mark.parametrize(
    ("ranking", "entities", "intent"),
    [
        # Sure, and nothing says the writer is harmed: it stands.
        ([("own_behaviour", 0.85), ("abuse_ongoing", 0.15)], [], "own_behaviour"),
        # Not sure enough.
        ([("own_behaviour", 0.75), ("abuse_ongoing", 0.25)], [], "abuse_ongoing"),
        # Sure, but the writer says what is done to them: the next reading.
        ([("own_behaviour", 0.85), ("abuse_ongoing", 0.15)], ["harmed"], "abuse_ongoing"),
        # ... unless they also say what they did.
        (
            [("own_behaviour", 0.85), ("abuse_ongoing", 0.15)],
            ["harmed", "perpetrator"],
            "own_behaviour",
        ),
        # The tagger's "perpetrator" on "she'd tell everyone I'd hit her" is not the writer's
        # own word.
        (
            [("own_behaviour", 0.85), ("abuse_ongoing", 0.15)],
            ["harmed", "tagged:perpetrator"],
            "abuse_ongoing",
        ),
        # Other intents are left as they are.
        ([("abuse_recent", 0.85), ("own_behaviour", 0.15)], ["harmed"], "abuse_recent"),
        # Less sure, but the writer says what they did in their own words: it stands ...
        ([("own_behaviour", 0.65), ("abuse_ongoing", 0.35)], ["perpetrator"], "own_behaviour"),
        # ... not on the tagger's word, and not below the lower bar.
        (
            [("own_behaviour", 0.65), ("abuse_ongoing", 0.35)],
            ["tagged:perpetrator"],
            "abuse_ongoing",
        ),
        ([("own_behaviour", 0.55), ("abuse_ongoing", 0.45)], ["perpetrator"], "abuse_ongoing"),
    ],
)
def test_own_behaviour_needs_to_be_sure_and_not_told_by_someone_harmed(
    ranking: list[tuple[str, float]], entities: list[str], intent: str
) -> None:
    from components.intent_guard import IntentGuard

    message = _message(ranking, [])
    message.set(
        ENTITIES,
        [
            # "tagged:" marks a tag from the entity tagger; the rest are matched cues.
            {
                "entity": e.removeprefix("tagged:"),
                "value": e,
                "start": 0,
                "end": 0,
                "extractor": TAGGER if e.startswith("tagged:") else CUES,
            }
            for e in entities
        ],
    )
    guard = IntentGuard(
        {
            "min_confidence": {"own_behaviour": 0.8},
            "with_cue": {"own_behaviour": 0.6},
            "not_when_harmed": {"own_behaviour": "perpetrator"},
        }
    )
    guard.process([message])
    assert message.get(INTENT)["name"] == intent
