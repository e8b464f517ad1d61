"""The texts of contacts: suggestions, introductions (double opt-in), /profile and /forget."""

from __future__ import annotations

from knowledge.models import Language

TEXTS: dict[str, dict[Language, str]] = {
    # -- the command menu and help lines ---------------------------------------------------------
    "cmd.contacts": {
        "de": "Passende Kontakte aus anderen Clustern",
        "en": "Matching contacts from other clusters",
    },
    "args.contacts": {"de": "[WAS SIE SUCHEN]", "en": "[WHAT YOU ARE LOOKING FOR]"},
    "cmd.profile": {"de": "Ihr Profil ansehen und bearbeiten", "en": "View and edit your profile"},
    "cmd.forget": {"de": "Ihr Profil und Ihre Daten löschen", "en": "Delete your profile and your data"},
    # -- suggestions -----------------------------------------------------------------------------
    "contacts.found": {
        "de": "Diese Mitglieder könnten passen:",
        "en": "These members might be a good fit:",
    },
    "contacts.none": {
        "de": "Dazu habe ich gerade niemanden gefunden, der einem Kontakt zugestimmt hat.",
        "en": "I found nobody for that right now who has agreed to be contacted.",
    },
    "contacts.ask_in_words": {
        "de": "Beschreiben Sie, was Sie suchen, zum Beispiel: /contacts Testumgebung für Kabinensensorik",
        "en": "Describe what you are looking for, for example: /contacts test environment for cabin sensors",
    },
    "contacts.no_profile": {
        "de": "Ihr Telegram-Konto ist mit keinem Mitgliedsprofil verknüpft. Beschreiben Sie, was Sie "
        "suchen, zum Beispiel: /contacts Testumgebung für Kabinensensorik",
        "en": "Your Telegram account is not linked to a member profile. Describe what you are looking "
        "for, for example: /contacts test environment for cabin sensors",
    },
    "contacts.empty_profile": {
        "de": "Ihr Profil nennt noch keine Angebote oder Bedarfe. Ergänzen Sie sie mit /profile oder "
        "beschreiben Sie, was Sie suchen: /contacts Testumgebung für Kabinensensorik",
        "en": "Your profile lists no offers or needs yet. Add them with /profile or describe what you "
        "are looking for: /contacts test environment for cabin sensors",
    },
    "contacts.request_button": {"de": "Kontakt anfragen: {name}", "en": "Request introduction: {name}"},
    "contacts.outro": {
        "de": "Mit „Kontakt anfragen“ frage ich die Person, ob sie Sie kennenlernen möchte. Erst wenn sie "
        "zustimmt, erhalten Sie beide den Telegram-Namen des anderen.",
        "en": "With “Request introduction” I ask the person whether they would like to meet you. Only "
        "when they agree do you both get each other's Telegram handle.",
    },
    "contacts.stale": {
        "de": "Diese Vorschläge sind nicht mehr aktuell. Bitte fragen Sie erneut mit /contacts.",
        "en": "These suggestions are out of date. Please ask again with /contacts.",
    },
    "contacts.private_only": {
        "de": "Das geht nur im privaten Chat mit mir.",
        "en": "This works only in a private chat with me.",
    },
    # -- introductions: the asker ----------------------------------------------------------------
    "intro.sent": {
        "de": "Ich habe {name} gefragt, ob er oder sie Sie kennenlernen möchte. Ich melde mich, sobald "
        "eine Antwort da ist.",
        "en": "I have asked {name} whether they would like to meet you. I will let you know when they "
        "answer.",
    },
    "intro.via_manager": {
        "de": "{name} ist nicht mit Telegram verbunden. Ihre Anfrage geht deshalb an das "
        "Clustermanagement von {cluster}, das den Kontakt vermittelt.",
        "en": "{name} is not connected to Telegram, so your request goes to the cluster management of "
        "{cluster}, who will make the introduction.",
    },
    "intro.pending": {
        "de": "Sie haben {name} bereits angefragt; die Antwort steht noch aus.",
        "en": "You have already asked {name}; the answer is still pending.",
    },
    "intro.daily_limit": {
        "de": "Sie haben heute schon {limit} Kontaktanfragen gestellt. Bitte versuchen Sie es morgen wieder.",
        "en": "You have already made {limit} introduction requests today. Please try again tomorrow.",
    },
    "intro.no_consent": {
        "de": "{name} möchte derzeit nicht kontaktiert werden.",
        "en": "{name} does not wish to be contacted at the moment.",
    },
    "intro.unknown": {
        "de": "Dieses Profil gibt es nicht mehr.",
        "en": "This profile no longer exists.",
    },
    "intro.self": {"de": "Das sind Sie selbst.", "en": "That is you."},
    "intro.no_recipient": {
        "de": "{name} ist über den Bot gerade nicht erreichbar, und für {cluster} ist kein "
        "Clustermanagement hinterlegt. Bitte versuchen Sie es später noch einmal.",
        "en": "{name} cannot be reached through the bot right now, and no cluster manager is on file "
        "for {cluster}. Please try again later.",
    },
    "intro.accepted_asker": {
        "de": "Gute Nachricht: {name} möchte Sie kennenlernen. Schreiben Sie direkt an {contact}.",
        "en": "Good news: {name} would like to meet you. Write directly to {contact}.",
    },
    "intro.accepted_asker_manager": {
        "de": "Gute Nachricht: Das Clustermanagement von {cluster} vermittelt den Kontakt zu {name}. "
        "Ihr Ansprechpartner dort: {contact}.",
        "en": "Good news: the cluster management of {cluster} will introduce you to {name}. Your "
        "contact there: {contact}.",
    },
    "intro.declined_asker": {
        "de": "Ihre Kontaktanfrage an {name} ist diesmal leider nicht zustande gekommen. Vielen Dank "
        "für Ihr Verständnis.",
        "en": "Your introduction request to {name} did not work out this time. Thank you for your "
        "understanding.",
    },
    # -- introductions: the asked member or manager ----------------------------------------------
    "intro.request": {
        "de": "Kontaktanfrage: {asker} möchte Sie kennenlernen.\nAnlass: {why}\n\nWenn Sie zustimmen, "
        "erhalten Sie beide den Telegram-Namen des anderen. Sonst erfährt {asker} nur, dass es diesmal "
        "nicht passt.",
        "en": "Introduction request: {asker} would like to meet you.\nWhy: {why}\n\nIf you accept, you "
        "both get each other's Telegram handle. Otherwise {asker} only learns that it does not fit "
        "this time.",
    },
    "intro.request_manager": {
        "de": "Kontaktanfrage für {name} ({cluster}), die nicht mit Telegram verbunden ist: {asker} "
        "möchte {name} kennenlernen.\nAnlass: {why}\n\nWenn Sie zustimmen, erhalten Sie den "
        "Telegram-Namen von {asker} und vermitteln den Kontakt.",
        "en": "Introduction request for {name} ({cluster}), who is not connected to Telegram: {asker} "
        "would like to meet {name}.\nWhy: {why}\n\nIf you accept, you get the Telegram handle of "
        "{asker} and make the introduction.",
    },
    "intro.why_request": {"de": "sucht „{text}“", "en": "is looking for “{text}”"},
    "intro.why_needs": {"de": "sucht „{text}“", "en": "is looking for “{text}”"},
    "intro.why_offers": {"de": "bietet „{text}“", "en": "offers “{text}”"},
    "intro.no_profile": {"de": "ohne Mitgliedsprofil", "en": "no member profile"},
    "intro.accept": {"de": "✅ Annehmen", "en": "✅ Accept"},
    "intro.decline": {"de": "Ablehnen", "en": "Decline"},
    "intro.accepted_target": {
        "de": "Sie haben angenommen. {asker} erreichen Sie unter {contact}.",
        "en": "You accepted. You can reach {asker} at {contact}.",
    },
    "intro.declined_target": {
        "de": "Sie haben abgelehnt. {asker} erfährt keine Einzelheiten.",
        "en": "You declined. {asker} learns no details.",
    },
    "intro.closed": {
        "de": "Diese Anfrage ist nicht mehr offen.",
        "en": "This request is no longer open.",
    },
    "intro.no_handle": {"de": "{name} (ohne Telegram-Namen)", "en": "{name} (no Telegram username)"},
    # -- /profile --------------------------------------------------------------------------------
    "profile.card": {
        "de": "Ihr Profil\n{name} – {organization} ({cluster})\n\nExpertise: {expertise}\nAngebote: "
        "{offers}\nBedarfe: {needs}\nSprachen: {languages}\nKontaktvorschläge: {consent}",
        "en": "Your profile\n{name} – {organization} ({cluster})\n\nExpertise: {expertise}\nOffers: "
        "{offers}\nNeeds: {needs}\nLanguages: {languages}\nContact suggestions: {consent}",
    },
    "profile.none": {
        "de": "Ihr Telegram-Konto ist mit keinem Mitgliedsprofil verknüpft. Ihr Clustermanagement kann "
        "Ihren Telegram-Namen in Ihrem Profil hinterlegen; danach senden Sie /start.",
        "en": "Your Telegram account is not linked to a member profile. Your cluster management can add "
        "your Telegram username to your profile; then send /start.",
    },
    "profile.empty": {"de": "–", "en": "–"},
    "profile.consent_yes": {"de": "ja", "en": "yes"},
    "profile.consent_no": {"de": "nein", "en": "no"},
    "profile.field.expertise": {"de": "Expertise", "en": "Expertise"},
    "profile.field.offers": {"de": "Angebote", "en": "Offers"},
    "profile.field.needs": {"de": "Bedarfe", "en": "Needs"},
    "profile.field.languages": {"de": "Sprachen", "en": "Languages"},
    "profile.field.consent_contact": {"de": "Kontaktvorschläge", "en": "Contact suggestions"},
    "profile.pick": {
        "de": "Was möchten Sie ändern?",
        "en": "What would you like to change?",
    },
    "profile.ask_text": {
        "de": "Bitte senden Sie den neuen Text für „{field}“ (bei Expertise Stichworte, durch ; "
        "getrennt). Bisher: {current}\n/cancel bricht ab.",
        "en": "Please send the new text for “{field}” (for expertise, keywords separated by ;). So "
        "far: {current}\n/cancel stops.",
    },
    "profile.ask_languages": {
        "de": "In welchen Sprachen möchten Sie angesprochen werden?",
        "en": "Which languages may people contact you in?",
    },
    "profile.ask_consent": {
        "de": "Dürfen andere Mitglieder Sie als Kontakt vorgeschlagen bekommen? Ihre E-Mail-Adresse "
        "wird nie weitergegeben; Ihren Telegram-Namen erfährt nur, wen Sie annehmen.",
        "en": "May other members get you suggested as a contact? Your email address is never shared; "
        "only people you accept learn your Telegram handle.",
    },
    "profile.lang_both": {"de": "Deutsch und Englisch", "en": "German and English"},
    "profile.lang_de": {"de": "Deutsch", "en": "German"},
    "profile.lang_en": {"de": "Englisch", "en": "English"},
    "profile.consent_on": {"de": "Ja, vorschlagen", "en": "Yes, suggest me"},
    "profile.consent_off": {"de": "Nein", "en": "No"},
    "profile.cancel": {"de": "Abbrechen", "en": "Cancel"},
    "profile.cancelled": {"de": "Nichts geändert.", "en": "Nothing changed."},
    "profile.saved": {"de": "Gespeichert.", "en": "Saved."},
    "profile.too_long": {
        "de": "Das sind {length} Zeichen; höchstens {limit} sind möglich. Bitte kürzer.",
        "en": "That is {length} characters; at most {limit} are possible. Please shorten it.",
    },
    "profile.timeout": {
        "de": "Die Bearbeitung ist abgelaufen; nichts geändert. /profile startet neu.",
        "en": "The edit timed out; nothing changed. /profile starts again.",
    },
    "profile.gone": {
        "de": "Ihr Profil gibt es nicht mehr.",
        "en": "Your profile no longer exists.",
    },
    # -- /forget ---------------------------------------------------------------------------------
    "forget.confirm": {
        "de": "Soll ich Ihr Mitgliedsprofil, Ihre offenen Kontaktanfragen, Ihren Gesprächsverlauf und "
        "Ihr Feedback löschen? Ihr Profil wird auch bei künftigen Importen nicht wieder angelegt, bis "
        "das Clustermanagement das freigibt.",
        "en": "Shall I delete your member profile, your pending introduction requests, your conversation "
        "history and your feedback? Your profile will not come back with later imports until the "
        "cluster management allows it.",
    },
    "forget.yes": {"de": "Ja, löschen", "en": "Yes, delete"},
    "forget.no": {"de": "Nein", "en": "No"},
    "forget.done": {
        "de": "Erledigt: Ihr Profil und Ihre Daten sind gelöscht.",
        "en": "Done: your profile and your data are deleted.",
    },
    "forget.done_no_profile": {
        "de": "Erledigt: Ihr Gesprächsverlauf und Ihr Feedback sind gelöscht (ein Mitgliedsprofil war "
        "nicht verknüpft).",
        "en": "Done: your conversation history and your feedback are deleted (no member profile was linked).",
    },
    "forget.kept": {"de": "Nichts gelöscht.", "en": "Nothing deleted."},
}
