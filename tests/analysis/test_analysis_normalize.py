from stormwatch.analysis.normalize import (
    ELONG_TOKEN,
    SARCASM_TOKEN,
    USER_TOKEN,
    TokenCache,
    fold_diacritics,
    has_sarcasm_marker,
    text_for_language_id,
    tokenize,
)
from stormwatch.analysis.splits import is_held_out


def test_polish_diacritics_typed_without_them_meet_the_same_tokens() -> None:
    assert tokenize("Źle, że pociąg!") == tokenize("zle, ze pociag!")
    assert fold_diacritics("Łódź żółć") == "Lodz zolc"
    assert fold_diacritics("Это плохо") == "Это плохо"  # Cyrillic is left alone


def test_mentions_urls_and_hashtags() -> None:
    tokens = tokenize("@LOT_Airlines worst flight ever http://t.co/abc #fail")
    assert tokens[0] == USER_TOKEN
    assert "<url>" in tokens and "fail" in tokens
    assert not any("http" in t or "@" in t for t in tokens)


def test_emoticons_and_emoji_become_tokens() -> None:
    assert tokenize("great :)")[1] == "<smile>"
    assert "<sad>" in tokenize("so bad :-(")
    assert "😡" in tokenize("really? 😡")


def test_negation_scope_marks_following_words_until_punctuation() -> None:
    assert tokenize("nie polecam tego, super") == ["nie", "neg_polecam", "neg_tego", ",", "super"]
    assert tokenize("I don't like it") == ["i", "dont", "neg_like", "neg_it"]


def test_elongations_are_squeezed_to_a_known_word() -> None:
    tokens = tokenize("suuuper", known_words={"super"})
    assert tokens == ["super", ELONG_TOKEN]
    assert tokenize("goooood", known_words={"good"})[0] == "good"


def test_sarcasm_markers() -> None:
    assert has_sarcasm_marker("Great service #sarcasm")
    assert has_sarcasm_marker("love waiting 3 hours 🙄")
    assert SARCASM_TOKEN in tokenize("yeah right, best airline")
    assert not has_sarcasm_marker("great service, thanks")


def test_language_id_text_drops_noise() -> None:
    assert (
        text_for_language_id("@user Świetny produkt http://x.pl/a #polecam :)") == "Świetny produkt polecam"
    )


def test_held_out_split_contract() -> None:
    held = [i for i in range(1000) if is_held_out("demo", str(i))]
    assert 150 < len(held) < 250  # about 20 %
    assert is_held_out("demo", str(held[0]))


def test_cached_tokenizer_gives_the_same_tokens() -> None:
    cache = TokenCache()
    texts = ["SUUUPER lot!!! :)", "Www.example.com is down", "RT @a: nie DZIAŁA", "suuuper"]
    for text in texts * 2:  # second round reads the cache
        assert tokenize(text, {"super"}, cache) == tokenize(text, {"super"})


def test_urls_without_scheme_and_entities() -> None:
    assert tokenize("Www.fmylife.com is funny")[0] == "<url>"
    assert tokenize("fast &amp; cheap") == ["fast", "&", "cheap"]


def test_retweet_marker_is_dropped_and_laugh_emoticons_tagged() -> None:
    assert tokenize("RT @lot: lecimy xD") == ["<user>", ":", "lecimy", "<laugh>"]


def test_vectorizer_char_grams_match_the_training_features() -> None:
    """The numpy n-gram look-up finds exactly the features ``word_features`` names (training's view)."""
    from stormwatch.analysis.features import CharGramIndex, _char_gram_base, word_features

    vocabulary = ["w zle", "c  zl", "c zle", "c le ", "c  zle ", "c ółć", "c  ab ", "c aaa"]
    index = {name: i for i, name in enumerate(vocabulary)}
    grams = CharGramIndex({name[2:]: i for name, i in index.items() if name.startswith("c ")})
    words = ["zle", "neg_zle", "żółć", "ółć", "ab", "aaaa", "<url>", "😡", "x" * 30, "a"]
    features, counts = grams.indices_of([_char_gram_base(word) for word in words])
    assert len(counts) == len(words) and counts.sum() == len(features)
    for word, end, count in zip(words, counts.cumsum(), counts, strict=True):
        expected = [index[f] for f in word_features(word) if f in index and f.startswith("c ")]
        assert sorted(features[end - count : end].tolist()) == sorted(expected), word


def test_a_vocabulary_without_char_grams_finds_none() -> None:
    from stormwatch.analysis.features import CharGramIndex

    features, counts = CharGramIndex({}).indices_of(["word", None])
    assert features.tolist() == [] and counts.tolist() == [0, 0]


def test_look_ahead_regexes_match_exactly_what_the_plain_alternations_match() -> None:
    """The first-character look-ahead is a speed-up only: same matches as the plain patterns."""
    import random
    import re

    from stormwatch.analysis import normalize

    plain_emoticons = re.compile(
        "|".join(f"(?P<e{i}>{pattern})" for i, (pattern, _) in enumerate(normalize._EMOTICONS))
    )
    plain_sarcasm = re.compile(
        r"#(?:sarcasm|sarcastic|not|irony|ironia|sarkazm|ironie|sarkasmus|sarcasme|sarcasmo|сарказм)\b"
        r"|(?:^|\s)/s\b|\byeah,? right\b|\bjasne,? jasne\b|\bno jasne\b|[🙄😒😏🙃]",
        re.IGNORECASE,
    )
    words = ["/s", "yeah right", "#not", "no jasne", "🙄", "ok"]
    alphabet = [*":;=8xXT^_-()[]{}<>/3DPpbo0O'’| aY#", *words]
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert [(m.span(), m.lastgroup) for m in normalize._EMOTICON_RE.finditer(text)] == [
            (m.span(), m.lastgroup) for m in plain_emoticons.finditer(text)
        ], text
        assert (normalize._SARCASM_RE.search(text) is None) == (plain_sarcasm.search(text) is None), text
