"""The texts of events, subscriptions, announcements and reminders."""

from __future__ import annotations

from knowledge.models import Language

TEXTS: dict[str, dict[Language, str]] = {
    # -- the command menu and help lines ---------------------------------------------------------
    "cmd.events": {"de": "Kommende Veranstaltungen", "en": "Upcoming events"},
    "args.events": {"de": "[TEXT, CLUSTER ODER ZEITRAUM]", "en": "[TEXT, CLUSTER OR PERIOD]"},
    "cmd.event": {"de": "Eine Veranstaltung anlegen (Manager)", "en": "Create an event (managers)"},
    "cmd.subscribe": {"de": "Ankündigungen abonnieren", "en": "Subscribe to announcements"},
    "cmd.unsubscribe": {"de": "Abonnements beenden", "en": "Unsubscribe from announcements"},
    "cmd.announce": {"de": "Eine Ankündigung senden (Manager)", "en": "Send an announcement (managers)"},
    "args.announce": {"de": "TEXT", "en": "TEXT"},
    # -- events ----------------------------------------------------------------------------------
    "events.found": {"de": "Diese Veranstaltungen habe ich gefunden:", "en": "These are the events I found:"},
    "events.none": {
        "de": "Dazu habe ich keine Veranstaltungen gefunden.",
        "en": "I found no events for that.",
    },
    "events.past": {"de": "vergangen", "en": "past"},
    "events.going": {"de": "✅ Teilnehmen ({count})", "en": "✅ Going ({count})"},
    "events.join": {"de": "Teilnehmen ({count})", "en": "Going ({count})"},
    "events.calendar": {"de": "📅 Kalender", "en": "📅 Add to calendar"},
    "events.rsvp_on": {
        "de": "Sie nehmen teil. Ich erinnere Sie rechtzeitig.",
        "en": "You are going. I will remind you.",
    },
    "events.rsvp_off": {"de": "Sie nehmen nicht mehr teil.", "en": "You are no longer going."},
    "events.gone": {"de": "Diese Veranstaltung gibt es nicht mehr.", "en": "This event no longer exists."},
    "events.reminder": {
        "de": "⏰ Erinnerung: {title}\n{when}\n{place}",
        "en": "⏰ Reminder: {title}\n{when}\n{place}",
    },
    # -- the /event dialog -----------------------------------------------------------------------
    "event.ask_title": {
        "de": "Neue Veranstaltung für {cluster}. Wie lautet der Titel? (/cancel bricht ab)",
        "en": "New event for {cluster}. What is its title? (/cancel stops)",
    },
    "event.private_only": {
        "de": "Veranstaltungen legen Sie im privaten Chat mit mir an: /event",
        "en": "Create events in a private chat with me: /event",
    },
    "event.bad_title": {
        "de": "Der Titel darf höchstens {limit} Zeichen lang sein. Bitte kürzer.",
        "en": "The title may be at most {limit} characters long. Please shorten it.",
    },
    "event.use_buttons": {
        "de": "Bitte wählen Sie unter der Vorschau „Veröffentlichen“ oder „Abbrechen“.",
        "en": "Please choose “Publish” or “Cancel” under the preview.",
    },
    "event.ask_when": {
        "de": "Wann beginnt sie? Datum und Uhrzeit, z. B. 04.03.2027 18:00",
        "en": "When does it start? Date and time, e.g. 04.03.2027 18:00",
    },
    "event.bad_when": {
        "de": "„{value}“ kann ich nicht als Datum mit Uhrzeit lesen. Bitte z. B. 04.03.2027 18:00 eingeben.",
        "en": "I cannot read “{value}” as a date with a time. Please write e.g. 04.03.2027 18:00.",
    },
    "event.past_when": {
        "de": "Dieser Zeitpunkt ({when}) liegt in der Vergangenheit. Bitte ein künftiges Datum eingeben.",
        "en": "That time ({when}) is in the past. Please give a future date.",
    },
    "event.ask_place": {"de": "Wo findet sie statt?", "en": "Where does it take place?"},
    "event.ask_description": {"de": "Eine kurze Beschreibung, bitte.", "en": "A short description, please."},
    "event.ask_topics": {
        "de": "Themen, durch Kommas getrennt (oder - für keine):",
        "en": "Topics, separated by commas (or - for none):",
    },
    "event.ask_link": {"de": "Ein Link (oder - für keinen):", "en": "A link (or - for none):"},
    "event.bad_link": {
        "de": "Ein Link beginnt mit https:// oder http:// (oder - für keinen).",
        "en": "A link starts with https:// or http:// (or - for none).",
    },
    "event.preview": {"de": "Vorschau:\n\n{event}", "en": "Preview:\n\n{event}"},
    "event.publish": {"de": "Veröffentlichen", "en": "Publish"},
    "event.published": {
        "de": "Veröffentlicht und an {count} Abonnenten angekündigt.",
        "en": "Published and announced to {count} subscribers.",
    },
    "event.cancelled": {
        "de": "Abgebrochen. Nichts wurde gespeichert.",
        "en": "Cancelled. Nothing was saved.",
    },
    "event.timeout": {
        "de": "Der Dialog ist abgelaufen. Beginnen Sie mit /event neu.",
        "en": "The dialog timed out. Start again with /event.",
    },
    "event.announcement": {"de": "📅 Neue Veranstaltung", "en": "📅 New event"},
    # -- subscriptions ---------------------------------------------------------------------------
    "subscribe.choose": {
        "de": "Wählen Sie, wovon Sie Ankündigungen erhalten möchten (✅ = abonniert):",
        "en": "Choose what to get announcements about (✅ = subscribed):",
    },
    "subscribe.done": {"de": "Fertig", "en": "Done"},
    "subscribe.saved": {"de": "Gespeichert.", "en": "Saved."},
    # -- announcements ---------------------------------------------------------------------------
    "announce.usage": {
        "de": "So geht es: /announce TEXT (Admins: /announce cluster:ID TEXT, topic:THEMA TEXT oder all TEXT)",
        "en": "Usage: /announce TEXT (admins: /announce cluster:ID TEXT, topic:TOPIC TEXT or all TEXT)",
    },
    "announce.no_cluster": {
        "de": "Ihnen ist kein Cluster zugeordnet; bitte wenden Sie sich an einen Admin.",
        "en": "You are not assigned to a cluster; please ask an admin.",
    },
    "announce.invalid_html": {
        "de": "Die Formatierung ist ungültig ({reason}). Erlaubt sind <b>, <i>, <u>, <s>, <a href>, <code>, <pre>, "
        "<blockquote>, <tg-spoiler>. Nichts wurde gesendet.",
        "en": "The formatting is invalid ({reason}). Allowed are <b>, <i>, <u>, <s>, <a href>, <code>, <pre>, "
        "<blockquote>, <tg-spoiler>. Nothing was sent.",
    },
    "announce.preview": {
        "de": "Vorschau an {audience} ({count} Empfänger):",
        "en": "Preview to {audience} ({count} recipients):",
    },
    "announce.send": {"de": "Senden", "en": "Send"},
    "announce.cancel": {"de": "Abbrechen", "en": "Cancel"},
    "announce.cancelled": {"de": "Abgebrochen. Nichts wurde gesendet.", "en": "Cancelled. Nothing was sent."},
    "announce.queued": {
        "de": "Wird gesendet an {count} Empfänger …",
        "en": "Sending to {count} recipients …",
    },
    "announce.progress": {
        "de": "Gesendet: {delivered} von {recipients} (blockiert: {blocked}, fehlgeschlagen: {failed})",
        "en": "Sent: {delivered} of {recipients} (blocked: {blocked}, failed: {failed})",
    },
    "announce.report": {
        "de": "Fertig: {delivered} zugestellt, {blocked} blockiert, {failed} fehlgeschlagen.",
        "en": "Done: {delivered} delivered, {blocked} blocked, {failed} failed.",
    },
    "announce.stale": {"de": "Diese Vorschau ist erledigt.", "en": "This preview has been handled."},
}
