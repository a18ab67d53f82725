"""Language identification on short, noisy posts (fastText then lingua, no download)."""

import pytest

from stormwatch.analysis.langid import detect_language

NOISY_POSTS = [
    ("@PKP_Intercity pociąg znowu spóźniony, masakra 😡 #pkp http://t.co/x", "pl"),
    ("zle sie dzieje w tym sklepie, nie polecam", "pl"),
    ("@united lost my bag AGAIN, worst airline ever!!! http://t.co/abc", "en"),
    ("Der Kundenservice antwortet seit Wochen nicht #fail", "de"),
    ("Le service client est injoignable :(", "fr"),
    ("El servicio es malísimo, no lo recomiendo", "es"),
    ("Il servizio clienti non risponde mai", "it"),
    ("O atendimento é péssimo, ninguém responde", "pt"),
    ("Служба підтримки не відповідає вже тиждень", "uk"),
    ("Служба поддержки не отвечает уже неделю", "ru"),
    ("Zákaznická podpora vůbec neodpovídá", "cs"),
]


@pytest.mark.parametrize(("text", "lang"), NOISY_POSTS)
def test_noisy_posts(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_too_little_text_is_unknown() -> None:
    assert detect_language("@user http://t.co/x 😡") is None
