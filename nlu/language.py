"""Is this message in English? A small stop-word vote, enough to answer politely in English.

Short messages are English unless their words say otherwise: "ok", "hola" and "danke" are all
short, but only the last two carry another language's everyday words.
"""

from __future__ import annotations

import re

ENGLISH = "en"
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        ["the", "a", "an", "is", "are", "was", "my", "i", "you", "your", "it", "to", "of", "and", "for", "in", "on", "with", "not", "this", "that", "have", "has", "do", "does", "can", "could", "would", "please", "where", "when", "what", "how", "why", "order", "my", "me", "we", "our", "hi", "hello", "thanks"]
    ),
    "de": frozenset(
        ["der", "die", "das", "und", "ist", "nicht", "ich", "sie", "mein", "meine", "meinen", "wo", "wann", "wie", "bitte", "danke", "ein", "eine", "mit", "für", "auf", "ist", "hallo", "guten", "tag", "bestellung", "habe", "noch", "kein", "keine", "warum", "können", "kann"]
    ),
    "fr": frozenset(
        ["le", "la", "les", "et", "est", "pas", "je", "vous", "mon", "ma", "mes", "où", "quand", "comment", "merci", "bonjour", "une", "un", "avec", "pour", "sur", "commande", "ai", "encore", "pourquoi", "pouvez", "peux", "est-ce"]
    ),
    "es": frozenset(
        ["el", "la", "los", "las", "y", "es", "no", "yo", "usted", "mi", "mis", "dónde", "donde", "cuándo", "cómo", "gracias", "hola", "una", "un", "con", "para", "pedido", "tengo", "todavía", "por", "qué", "puede", "puedo", "está"]
    ),
    "it": frozenset(
        ["il", "lo", "la", "gli", "le", "e", "è", "non", "io", "lei", "mio", "mia", "dove", "quando", "come", "grazie", "ciao", "buongiorno", "una", "un", "con", "per", "ordine", "ho", "ancora", "perché", "può", "posso"]
    ),
    "nl": frozenset(
        ["de", "het", "een", "en", "is", "niet", "ik", "u", "mijn", "waar", "wanneer", "hoe", "bedankt", "dank", "hallo", "met", "voor", "op", "bestelling", "heb", "nog", "geen", "waarom", "kunt", "kan"]
    ),
    "pt": frozenset(
        ["o", "a", "os", "as", "e", "é", "não", "eu", "você", "meu", "minha", "onde", "quando", "como", "obrigado", "obrigada", "olá", "um", "uma", "com", "para", "pedido", "tenho", "ainda", "por", "que", "pode", "posso"]
    ),
    "pl": frozenset(
        ["i", "jest", "nie", "ja", "pan", "pani", "moje", "moja", "gdzie", "kiedy", "jak", "dziękuję", "dzień", "dobry", "z", "dla", "na", "zamówienie", "mam", "jeszcze", "dlaczego", "może"]
    ),
}
_NON_LATIN = re.compile(
    r"[\u0400-\u04ff\u0600-\u06ff\u0590-\u05ff\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)


def detect(text: str) -> str:
    """A language code ("en", "de", ...), or "other" for scripts we don't vote on."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(1 for c in letters if _NON_LATIN.match(c)) > len(letters) / 2:
        return "other"
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return ENGLISH
    votes = {code: sum(1 for w in words if w in stop) for code, stop in _STOP_WORDS.items()}
    best = max(votes, key=lambda code: (votes[code], code == ENGLISH))
    # Another language must clearly outvote English, and say enough to be sure.
    if best != ENGLISH and votes[best] >= 2 and votes[best] > votes[ENGLISH] * 2:
        return best
    return ENGLISH
