"""Is a chat message a request for people (contacts) rather than a question about the documents?"""

from __future__ import annotations

import re

# Each pattern names a way of asking for a person, partner or organisation, in German or English.
_CONTACT_PATTERNS = (
    # German: "Wer kennt sich mit X aus?", "Wer kann uns bei X helfen?", "Wer hat Erfahrung mit X?"
    r"\bwer\b[^.?!]{0,60}?\b(kennt sich|kann (uns|mir|mich)|könnte (uns|mir|mich)|würde (uns|mir)"
    r"|hilft|helfen kann|unterstützt|unterstützen kann|berät|beraten kann|bietet|anbietet|liefert"
    r"|hat (erfahrung|expertise|know-how|ahnung|kenntnisse|zugang|kapazitäten)|weiß,? wie|macht|entwickelt"
    r"|produziert|testet|prüft|arbeitet (an|mit)|beschäftigt sich|forscht|ist (experte|expertin|spezialist)"
    r"|ist (der |die )?(richtige )?ansprechp)",
    r"\bkennt (jemand|ihr|wer)\b|\bkennen sie (jemand|einen|eine)",
    r"\b(suche|suchen)\b[^.?!]{0,30}?\b(jemand|einen? (partner|kontakt|ansprechp|experten|expertin|dienstleister"
    r"|spezialisten|kooperationspartner)|partner|kontakt|ansprechp|experten|expertinnen|unterstützung|hilfe"
    r"|kooperation|dienstleister|firmen|unternehmen|mitglieder)",
    r"\bgibt es (hier )?(jemand|einen partner|partner|experten|expertinnen|firmen|unternehmen|mitglieder"
    r"|ansprechp|spezialisten)",
    r"\b(ansprechpartner(in)?|ansprechperson|kontakte?|experten|expertin|kooperationspartner) (für|zu|zum|zur)\b",
    r"\b(vernetzen|verbinden|bekannt machen|vermitteln)\b",
    r"\bjemand(en)?,? (der|die|mit|aus|für)\b",
    # English: "who could help us test X?", "who knows about X?", "looking for a partner for X"
    r"\bwho\b[^.?!]{0,40}?\b(can|could|would|might|is able to)\b[^.?!]{0,20}?\b(help|support|advise|assist|test"
    r"|build|develop|provide|supply|offer|deliver|make|produce|do|give)",
    r"\bwho (knows|has (experience|expertise|know-how|access|capacity)|offers|provides|supplies|does|makes"
    r"|builds|develops|produces|tests|works (on|with)|specialises|specializes|is (an? )?(expert|specialist))",
    # Indefinite seekers only: "companies that came out of ..." or "members in Hamburg" name a fact.
    r"\b(anyone|anybody|someone|somebody|a partner|partners|an expert|experts)"
    r" (who|that|with (experience|expertise)|to help|able to|for|in|on)\b",
    r"\b(looking for|searching for|search of|seeking|need|want to meet|find)\b[^.?!]{0,12}?\b(an? )?(partner|expert"
    r"|contact|someone|somebody|people|company|companies|collaborator|supplier|specialist|team)",
    r"\b(connect|introduce|put) (me|us)\b",
    r"\bcontacts? (for|in|on|at|to)\b",
)
_CONTACT = re.compile("|".join(f"(?:{p})" for p in _CONTACT_PATTERNS), re.IGNORECASE)

# Frames around the topic of a request, stripped for the reason ("Sie suchen „Drohnen-Zulassung im Hafen“").
_TOPIC_FRAMES = (
    r"^wer kennt sich (?:mit|in|bei|im|mit der|mit dem) (?P<t>.+?) aus$",
    r"^wer (?:kann|könnte|würde) (?:uns|mir|mich) (?:bei|mit|beim)(?: der| dem| den)? (?P<t>.+?)"
    r" (?:helfen|unterstützen|beraten)$",
    r"^wer (?:kann|könnte|würde) (?:uns |mir )?(?P<t>.+)$",
    r"^wer (?:hat|hätte) (?:erfahrung|expertise|know-how|kenntnisse) (?:mit|in|bei|zu|im) (?P<t>.+)$",
    r"^wer ist (?:ein |eine )?(?:experte|expertin|spezialist|spezialistin|ansprechpartner|ansprechpartnerin)"
    r" (?:für|in|zu|zum|zur|bei) (?P<t>.+)$",
    r"^(?:ein |einen )?(?:ansprechpartner|ansprechpartnerin|kontakt|kontakte|experten|expertin)"
    r" (?:für|zu|zum|zur) (?P<t>.+)$",
    r"mit jemandem (?:aus|für|in|im|mit)(?: der| dem| den)? (?P<t>.+?) (?:vernetzen|verbinden|bekannt machen)$",
    r"^wer (?:bietet|liefert|entwickelt|produziert|testet|prüft) (?P<t>.+?)(?: an)?$",
    r"^(?:kennt jemand|gibt es jemanden|ich suche|wir suchen)(?: jemanden| einen partner| partner"
    r"| experten| einen experten| eine expertin| einen ansprechpartner| ansprechpartner| unterstützung)?"
    r"(?:,? (?:der|die|für|zu|zur|zum|mit|bei|im|in))? (?P<t>.+)$",
    r"^who (?:can|could|would|might) help (?:us|me)(?: with| to| in| on)? (?P<t>.+)$",
    r"^who (?:can|could|would|might) (?P<t>.+)$",
    r"^who (?:knows about|knows|has experience (?:with|in)|has expertise (?:in|on)|offers|provides|supplies"
    r"|does|makes|builds) (?P<t>.+)$",
    r"^(?:i am |i'm |we are |we're )?(?:looking|searching) for(?: an?)?(?: partner| expert| someone"
    r"| somebody| people| partners| experts)?(?: who| that| to| for| with| on| in)? (?P<t>.+)$",
    r"^(?:i|we) need (?:an? )?(?:expert|partner|someone|somebody|specialist|help)(?: on| for| with| in)?"
    r" (?P<t>.+)$",
    r"connect (?:me|us) (?:with|to) (?:someone|somebody|people|a partner|an expert|experts)?"
    r"(?: in| for| from| on| who knows)? ?(?P<t>.+)$",
    r"^(?:any )?contacts? (?:for|in|on|at) (?P<t>.+)$",
    r"^(?:is there |are there )?(?:anyone|anybody|someone|somebody)(?: who| that)? (?P<t>.+)$",
)
_TOPIC = tuple(re.compile(frame, re.IGNORECASE) for frame in _TOPIC_FRAMES)


def is_contact_request(text: str) -> bool:
    """True when `text` asks for people, partners or organisations rather than for facts."""
    cleaned = " ".join(text.split())
    if cleaned.startswith("/contacts"):
        return True
    return bool(_CONTACT.search(cleaned))


def request_topic(text: str) -> str:
    """What a request is about, without its frame ("Wer kann uns bei X helfen?" → "X")."""
    cleaned = " ".join(text.split()).removeprefix("/contacts").strip().rstrip("?!. ").strip()
    for frame in _TOPIC:
        match = frame.search(cleaned)
        if match and len(match.group("t").split()) >= 1:
            return match.group("t").strip(" ,;:")
    return cleaned
