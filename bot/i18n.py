"""The bot's user-facing strings in German and English."""

from __future__ import annotations

from knowledge.models import Language

DEFAULT_LANGUAGE: Language = "de"

STRINGS: dict[Language, dict[str, str]] = {
    "de": {
        "start": (
            "Hallo {name}! Ich bin der ClusterBridge-Assistent der Hamburger Innovationscluster.\n\n"
            "Stell mir eine Frage zu Clustern, Projekten oder Veranstaltungen – ich antworte mit "
            "Quellen. In Gruppen erwähne mich (@{bot}), antworte auf meine Nachricht oder nutze "
            "/ask.\n\n/help zeigt alle Befehle."
        ),
        "start_linked": "Dein Telegram-Konto ist mit dem Mitgliedsprofil verknüpft.",
        "help": (
            "So nutzt du mich:\n"
            "• Im privaten Chat ist jede Nachricht eine Frage.\n"
            "• /ask FRAGE – fragen (auch in Gruppen)\n"
            "• /reset – das Gespräch vergessen\n"
            "• /lang de|en – Sprache festlegen (/lang auto: automatisch)\n"
            "• /request_access TEXT – Zugang bei einem Admin anfragen\n"
            "• /help – diese Hilfe\n\n"
            "Unter jeder Antwort kannst du mit 👍/👎 Feedback geben."
        ),
        "ask_usage": "Bitte schreib deine Frage hinter den Befehl, z. B. /ask Was macht Hamburg Aviation?",
        "too_long": (
            "Deine Nachricht ist zu lang ({length} Zeichen). "
            "Bitte fasse die Frage in höchstens {limit} Zeichen."
        ),
        "reset_done": "Erledigt – ich habe unser bisheriges Gespräch vergessen.",
        "lang_usage": "Verwendung: /lang de, /lang en oder /lang auto",
        "lang_set": "Alles klar, ich antworte ab jetzt auf Deutsch.",
        "lang_auto": "Alles klar, ich antworte in der Sprache deiner Frage.",
        "flood": (
            "Langsam bitte 🙂 Du hast gerade sehr viele Fragen gestellt. "
            "Versuch es in {seconds} Sekunden wieder."
        ),
        "non_text": (
            "Ich kann leider nur Textnachrichten lesen – keine Sticker, Bilder, Sprachnachrichten "
            "oder Dateien. Schreib mir deine Frage einfach als Text."
        ),
        "unknown_command": "Diesen Befehl kenne ich nicht. /help zeigt, was ich kann.",
        "error": "Entschuldigung, da ist etwas schiefgelaufen. Bitte versuch es gleich noch einmal.",
        "index_empty": (
            "Die Wissensbasis ist noch nicht eingerichtet. Bitte versuch es später noch einmal "
            "oder wende dich an dein Clustermanagement."
        ),
        "sources": "Quellen",
        "abstained_hint": "Dazu habe ich in den Dokumenten nichts Verlässliches gefunden.",
        "thinking": "Einen Moment …",
        "feedback_thanks": "Danke für dein Feedback!",
        "feedback_unknown": "Diese Antwort kenne ich nicht mehr.",
        "members_only": (
            "Dieser Assistent steht nur Mitgliedern der Hamburger Innovationscluster offen, und ich "
            "kenne dein Konto noch nicht.\n\n"
            "Du kannst mit /request_access und einem kurzen Satz zu dir (Name, Organisation, "
            "Cluster) Zugang bei einem Admin anfragen."
        ),
        "request_access_usage": (
            "Bitte schreib hinter den Befehl ein paar Worte zu dir, z. B. "
            "/request_access Anna Muster, Airbus, Cluster Luftfahrt"
        ),
        "request_access_done": "Danke! Deine Anfrage (Nr. {id}) ist bei den Admins. Du hörst von uns.",
        "request_pending": "Deine Anfrage Nr. {id} liegt den Admins schon vor. Bitte hab etwas Geduld.",
        "request_access_admin": "Neue Zugangsanfrage Nr. {id} von {user}:\n{text}",
        "not_allowed": "Dieser Befehl ist Admins vorbehalten.",
        "decide_usage": "Verwendung: /grant NR [MITGLIEDS-ID] oder /deny NR (Nummern zeigt /stats)",
        "request_unknown": "Eine offene Zugangsanfrage Nr. {id} gibt es nicht.",
        "request_granted": "Zugangsanfrage Nr. {id} angenommen; {user} kann jetzt fragen.",
        "request_denied": "Zugangsanfrage Nr. {id} abgelehnt.",
        "access_granted": "Gute Nachricht: Dein Zugang ist freigeschaltet. Stell mir einfach deine Frage!",
        "access_denied": "Deine Zugangsanfrage wurde leider abgelehnt.",
        "stats": (
            "Statistik\nNutzer: {users}\nFeedback: {up} 👍 / {down} 👎\nOffene Zugangsanfragen: {requests}{request_ids}"
        ),
    },
    "en": {
        "start": (
            "Hello {name}! I am the ClusterBridge assistant of Hamburg's innovation clusters.\n\n"
            "Ask me about clusters, projects or events – I answer with sources. In groups, mention "
            "me (@{bot}), reply to my message or use /ask.\n\n/help lists all commands."
        ),
        "start_linked": "Your Telegram account is linked to your member profile.",
        "help": (
            "How to use me:\n"
            "• In a private chat, every message is a question.\n"
            "• /ask QUESTION – ask (also in groups)\n"
            "• /reset – forget our conversation\n"
            "• /lang de|en – set the language (/lang auto: automatic)\n"
            "• /request_access TEXT – ask an admin for access\n"
            "• /help – this help\n\n"
            "Use 👍/👎 under each answer to give feedback."
        ),
        "ask_usage": "Please write your question after the command, e.g. /ask What does Hamburg Aviation do?",
        "too_long": (
            "Your message is too long ({length} characters). "
            "Please keep the question under {limit} characters."
        ),
        "reset_done": "Done – I have forgotten our conversation so far.",
        "lang_usage": "Usage: /lang de, /lang en or /lang auto",
        "lang_set": "All right, I will answer in English from now on.",
        "lang_auto": "All right, I will answer in the language of your question.",
        "flood": (
            "Easy there 🙂 You have asked a lot of questions just now. Please try again in {seconds} seconds."
        ),
        "non_text": (
            "Sorry, I can only read text messages – no stickers, pictures, voice messages or "
            "files. Just type your question."
        ),
        "unknown_command": "I don't know that command. /help shows what I can do.",
        "error": "Sorry, something went wrong. Please try again in a moment.",
        "index_empty": (
            "The knowledge base has not been set up yet. Please try again later or contact your "
            "cluster management."
        ),
        "sources": "Sources",
        "abstained_hint": "I found nothing reliable about this in the documents.",
        "thinking": "One moment …",
        "feedback_thanks": "Thanks for your feedback!",
        "feedback_unknown": "I no longer know this answer.",
        "members_only": (
            "This assistant is open to members of Hamburg's innovation clusters only, and I don't "
            "know your account yet.\n\n"
            "Send /request_access with a short note about yourself (name, organisation, cluster) "
            "to ask an admin for access."
        ),
        "request_access_usage": (
            "Please add a few words about yourself, e.g. "
            "/request_access Anna Example, Airbus, aviation cluster"
        ),
        "request_access_done": "Thank you! Your request (no. {id}) has been sent to the admins.",
        "request_pending": "Your request no. {id} is already with the admins. Please bear with us.",
        "request_access_admin": "New access request no. {id} from {user}:\n{text}",
        "not_allowed": "This command is for admins only.",
        "decide_usage": "Usage: /grant NO [MEMBER-ID] or /deny NO (/stats lists the numbers)",
        "request_unknown": "There is no open access request no. {id}.",
        "request_granted": "Access request no. {id} granted; {user} can ask now.",
        "request_denied": "Access request no. {id} denied.",
        "access_granted": "Good news: your access has been granted. Just ask me your question!",
        "access_denied": "Sorry, your access request has been denied.",
        "stats": (
            "Statistics\nUsers: {users}\nFeedback: {up} 👍 / {down} 👎\nOpen access requests: {requests}{request_ids}"
        ),
    },
}

# The command menu registered with Telegram (setMyCommands), per language.
COMMANDS: dict[Language, list[tuple[str, str]]] = {
    "de": [
        ("ask", "Eine Frage stellen"),
        ("help", "Hilfe und Befehle"),
        ("reset", "Das Gespräch vergessen"),
        ("lang", "Sprache festlegen: de, en oder auto"),
        ("start", "Begrüßung"),
        ("request_access", "Zugang bei einem Admin anfragen"),
    ],
    "en": [
        ("ask", "Ask a question"),
        ("help", "Help and commands"),
        ("reset", "Forget the conversation"),
        ("lang", "Set the language: de, en or auto"),
        ("start", "Welcome"),
        ("request_access", "Ask an admin for access"),
    ],
}


def language_from_code(code: str | None) -> Language:
    """Map Telegram's IETF language code to a supported language (German by default)."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def t(language: Language, key: str, **values: object) -> str:
    """The string `key` in `language`, formatted with `values` (not escaped)."""
    return STRINGS[language][key].format(**values)
