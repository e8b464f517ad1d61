"""The texts of the core features: greeting and help, questions and answers, access, the terminal chat."""

from __future__ import annotations

from knowledge.models import Language

TEXTS: dict[str, dict[Language, str]] = {
    # -- greeting and help ----------------------------------------------------------------------
    "start": {
        "de": "Guten Tag, {name}! Ich bin der ClusterBridge-Assistent der Hamburger Innovationscluster.\n\n"
        "Stellen Sie mir eine Frage zu Clustern, Projekten oder Veranstaltungen – ich antworte mit "
        "Quellen. In Gruppen erwähnen Sie mich (@{bot}), antworten auf meine Nachricht oder nutzen "
        "/ask.\n\n/help zeigt alle Befehle.",
        "en": "Hello {name}! I am the ClusterBridge assistant of Hamburg's innovation clusters.\n\n"
        "Ask me about clusters, projects or events – I answer with sources. In groups, mention "
        "me (@{bot}), reply to my message or use /ask.\n\n/help lists all commands.",
    },
    "start_linked": {
        "de": "Ihr Telegram-Konto ist mit Ihrem Mitgliedsprofil verknüpft.",
        "en": "Your Telegram account is linked to your member profile.",
    },
    "help_intro": {
        "de": "So nutzen Sie mich:\n• Im privaten Chat ist jede Nachricht eine Frage.",
        "en": "How to use me:\n• In a private chat, every message is a question.",
    },
    "help_outro": {
        "de": "Unter jeder Antwort können Sie mit 👍/👎 Feedback geben.",
        "en": "Use 👍/👎 under each answer to give feedback.",
    },
    # -- the command menu and help lines (one pair per command; bot.commands declares the rest) ---
    "cmd.start": {"de": "Begrüßung", "en": "Welcome"},
    "cmd.help": {"de": "Hilfe und Befehle", "en": "Help and commands"},
    "cmd.ask": {"de": "Eine Frage stellen (auch in Gruppen)", "en": "Ask a question (also in groups)"},
    "args.ask": {"de": "FRAGE", "en": "QUESTION"},
    "cmd.reset": {"de": "Das Gespräch vergessen", "en": "Forget the conversation"},
    "cmd.lang": {
        "de": "Sprache festlegen (auto: die Sprache der Frage)",
        "en": "Set the language (auto: the question's language)",
    },
    "args.lang": {"de": "de|en|auto", "en": "de|en|auto"},
    "cmd.request_access": {"de": "Zugang bei einem Admin anfragen", "en": "Ask an admin for access"},
    "args.request_access": {"de": "TEXT", "en": "TEXT"},
    "cmd.stats": {"de": "Zahlen zur Nutzung (Admins)", "en": "Usage figures (admins)"},
    "cmd.approve": {"de": "Zugangsanfrage annehmen (Admins)", "en": "Approve an access request (admins)"},
    "args.approve": {"de": "NR [MITGLIEDS-ID]", "en": "NO [MEMBER-ID]"},
    "cmd.deny": {"de": "Zugangsanfrage ablehnen (Admins)", "en": "Deny an access request (admins)"},
    "args.deny": {"de": "NR", "en": "NO"},
    # -- questions --------------------------------------------------------------------------------
    "ask_usage": {
        "de": "Bitte schreiben Sie Ihre Frage hinter den Befehl, z. B. /ask Was macht Hamburg Aviation?",
        "en": "Please write your question after the command, e.g. /ask What does Hamburg Aviation do?",
    },
    "too_long": {
        "de": "Ihre Nachricht ist zu lang ({length} Zeichen). Bitte fassen Sie die Frage in höchstens "
        "{limit} Zeichen.",
        "en": "Your message is too long ({length} characters). Please keep the question under {limit} "
        "characters.",
    },
    "reset_done": {
        "de": "Erledigt – ich habe unser bisheriges Gespräch vergessen.",
        "en": "Done – I have forgotten our conversation so far.",
    },
    "lang_usage": {
        "de": "Verwendung: /lang de, /lang en oder /lang auto",
        "en": "Usage: /lang de, /lang en or /lang auto",
    },
    "lang_set": {
        "de": "Alles klar, ich antworte ab jetzt auf Deutsch.",
        "en": "All right, I will answer in English from now on.",
    },
    "lang_auto": {
        "de": "Alles klar, ich antworte in der Sprache Ihrer Frage.",
        "en": "All right, I will answer in the language of your question.",
    },
    "flood": {
        "de": "Langsam bitte 🙂 Sie haben gerade sehr viele Fragen gestellt. Bitte versuchen Sie es in "
        "{seconds} Sekunden wieder.",
        "en": "Easy there 🙂 You have asked a lot of questions just now. Please try again in {seconds} "
        "seconds.",
    },
    "non_text": {
        "de": "Ich kann leider nur Textnachrichten lesen – keine Sticker, Bilder, Sprachnachrichten oder "
        "Dateien. Schreiben Sie mir Ihre Frage einfach als Text.",
        "en": "Sorry, I can only read text messages – no stickers, pictures, voice messages or files. "
        "Just type your question.",
    },
    "unknown_command": {
        "de": "Diesen Befehl kenne ich nicht. /help zeigt, was ich kann.",
        "en": "I don't know that command. /help shows what I can do.",
    },
    "stale_button": {
        "de": "Diese Schaltfläche ist nicht mehr gültig.",
        "en": "This button is no longer valid.",
    },
    "error": {
        "de": "Entschuldigung, da ist etwas schiefgelaufen. Bitte versuchen Sie es gleich noch einmal.",
        "en": "Sorry, something went wrong. Please try again in a moment.",
    },
    "delivery_failed": {
        "de": "Die Antwort konnte gerade nicht zugestellt werden. Bitte fragen Sie gleich noch einmal.",
        "en": "The answer could not be delivered just now. Please ask again in a moment.",
    },
    "index_empty": {
        "de": "Die Wissensbasis ist noch nicht eingerichtet. Bitte versuchen Sie es später noch einmal "
        "oder wenden Sie sich an Ihr Clustermanagement.",
        "en": "The knowledge base has not been set up yet. Please try again later or contact your "
        "cluster management.",
    },
    # -- answers ----------------------------------------------------------------------------------
    "sources": {"de": "Quellen", "en": "Sources"},
    "abstain": {
        "de": "Dazu finde ich in den Dokumenten keine Antwort. Formulieren Sie die Frage anders oder "
        "fragen Sie Ihr Clustermanagement.",
        "en": "I could not find an answer to that in the documents. Try rephrasing the question or ask "
        "your cluster management.",
    },
    "abstained_hint": {
        "de": "Dazu habe ich in den Dokumenten nichts Verlässliches gefunden.",
        "en": "I found nothing reliable about this in the documents.",
    },
    "extractive": {
        "de": "Passende Stellen aus den Dokumenten (wörtliche Zitate, keine KI-Antwort):",
        "en": "Matching passages from the documents (verbatim quotes, not an AI-written answer):",
    },
    "llm_failed": {
        "de": "Das Sprachmodell ist gerade nicht erreichbar; hier stattdessen die passenden Zitate.",
        "en": "The language model is not reachable right now; here are the matching quotes instead.",
    },
    "feedback_thanks": {"de": "Danke für Ihr Feedback!", "en": "Thanks for your feedback!"},
    "feedback_unknown": {"de": "Diese Antwort kenne ich nicht mehr.", "en": "I no longer know this answer."},
    # -- access -----------------------------------------------------------------------------------
    "members_only": {
        "de": "Dieser Assistent steht nur Mitgliedern der Hamburger Innovationscluster offen, und ich "
        "kenne Ihr Konto noch nicht.\n\nSie können mit /request_access und einem kurzen Satz zu "
        "Ihnen (Name, Organisation, Cluster) Zugang bei einem Admin anfragen.",
        "en": "This assistant is open to members of Hamburg's innovation clusters only, and I don't know "
        "your account yet.\n\nSend /request_access with a short note about yourself (name, "
        "organisation, cluster) to ask an admin for access.",
    },
    "request_access_usage": {
        "de": "Bitte schreiben Sie hinter den Befehl ein paar Worte zu Ihnen, z. B. "
        "/request_access Anna Muster, Airbus, Cluster Luftfahrt",
        "en": "Please add a few words about yourself, e.g. /request_access Anna Example, Airbus, "
        "aviation cluster",
    },
    "request_access_done": {
        "de": "Danke! Ihre Anfrage (Nr. {id}) ist bei den Admins. Sie hören von uns.",
        "en": "Thank you! Your request (no. {id}) has been sent to the admins.",
    },
    "request_pending": {
        "de": "Ihre Anfrage Nr. {id} liegt den Admins schon vor. Bitte haben Sie etwas Geduld.",
        "en": "Your request no. {id} is already with the admins. Please bear with us.",
    },
    "request_access_admin": {
        "de": "Neue Zugangsanfrage Nr. {id} von {user}:\n{text}\n\n/approve {id} oder /deny {id}",
        "en": "New access request no. {id} from {user}:\n{text}\n\n/approve {id} or /deny {id}",
    },
    "not_allowed": {
        "de": "Dieser Befehl ist Admins vorbehalten.",
        "en": "This command is for admins only.",
    },
    "decide_usage": {
        "de": "Verwendung: /approve NR [MITGLIEDS-ID] oder /deny NR (Nummern zeigt /stats)",
        "en": "Usage: /approve NO [MEMBER-ID] or /deny NO (/stats lists the numbers)",
    },
    "member_id_invalid": {
        "de": "Diese Mitglieds-ID ist ungültig (höchstens {limit} Zeichen: Buchstaben, Ziffern, . _ : -).",
        "en": "That member id is invalid (at most {limit} characters: letters, digits, . _ : -).",
    },
    "request_unknown": {
        "de": "Eine offene Zugangsanfrage Nr. {id} gibt es nicht.",
        "en": "There is no open access request no. {id}.",
    },
    "request_granted": {
        "de": "Zugangsanfrage Nr. {id} angenommen; {user} kann jetzt fragen.",
        "en": "Access request no. {id} granted; {user} can ask now.",
    },
    "request_denied": {"de": "Zugangsanfrage Nr. {id} abgelehnt.", "en": "Access request no. {id} denied."},
    "access_granted": {
        "de": "Gute Nachricht: Ihr Zugang ist freigeschaltet. Stellen Sie mir einfach Ihre Frage!",
        "en": "Good news: your access has been granted. Just ask me your question!",
    },
    "access_denied": {
        "de": "Ihre Zugangsanfrage wurde leider abgelehnt.",
        "en": "Sorry, your access request has been denied.",
    },
    # -- the terminal chat ------------------------------------------------------------------------
    "chat_banner": {
        "de": "ClusterBridge-Chat ({mode}). Fragen Sie auf Deutsch oder Englisch. /reset vergisst das "
        "Gespräch, /quit beendet.",
        "en": "ClusterBridge chat ({mode}). Ask in German or English. /reset forgets the conversation, "
        "/quit ends it.",
    },
    "chat_mode_llm": {"de": "mit Sprachmodell", "en": "with a language model"},
    "chat_mode_quotes": {
        "de": "ohne Sprachmodell: Zitate aus den Dokumenten",
        "en": "no language model: quotes from the documents",
    },
}
