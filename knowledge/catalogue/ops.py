"""Texts of re-ingestion from Telegram: /reindex, documents sent to the bot, /sources, /remove, and
the scheduled run's report (German "Sie")."""

from __future__ import annotations

from knowledge.models import Language

TEXTS: dict[str, dict[Language, str]] = {
    "cmd.reindex": {
        "de": "Alle konfigurierten Quellen neu indizieren (Admins)",
        "en": "Re-index every configured source (admins)",
    },
    "cmd.sources": {"de": "Indizierte Dokumente (Admins)", "en": "Indexed documents (admins)"},
    "args.sources": {"de": "[SEITE]", "en": "[PAGE]"},
    "cmd.remove": {"de": "Ein Dokument entfernen (Admins)", "en": "Remove a document (admins)"},
    "args.remove": {"de": "DATEI", "en": "FILE"},
    "reindex_nothing": {
        "de": "Es sind keine Quellen konfiguriert (CLUSTERBRIDGE_DOCS_DIR, CLUSTERBRIDGE_MEMBERS_FILE, "
        "CLUSTERBRIDGE_EVENTS_FILE).",
        "en": "No sources are configured (CLUSTERBRIDGE_DOCS_DIR, CLUSTERBRIDGE_MEMBERS_FILE, "
        "CLUSTERBRIDGE_EVENTS_FILE).",
    },
    "reindex_busy": {
        "de": "Eine Indizierung läuft bereits (seit {since} UTC, Stand: {progress}). Bitte warten Sie, "
        "bis sie fertig ist.",
        "en": "An ingestion is already running (since {since} UTC, at: {progress}). Please wait until "
        "it has finished.",
    },
    "reindex_started": {
        "de": "⏳ Indizierung gestartet. Ich melde den Fortschritt hier.",
        "en": "⏳ Ingestion started. I will show the progress here.",
    },
    "reindex_progress": {"de": "⏳ Indizierung läuft: {progress}", "en": "⏳ Ingestion running: {progress}"},
    "progress_starting": {"de": "Start", "en": "starting"},
    "progress_members": {"de": "Mitgliederprofile", "en": "member profiles"},
    "progress_events": {"de": "Veranstaltungen", "en": "events"},
    "progress_documents": {
        "de": "Dokumente {done} von {total} ({file})",
        "en": "documents {done} of {total} ({file})",
    },
    "progress_scanning": {"de": "Dokumentenordner wird geprüft", "en": "checking the documents folder"},
    "progress_done": {"de": "abgeschlossen", "en": "finished"},
    "reindex_done": {
        "de": "✅ Indizierung abgeschlossen ({seconds} s).",
        "en": "✅ Ingestion finished ({seconds} s).",
    },
    "reindex_error": {
        "de": "❌ Die Indizierung ist abgebrochen: {error}. Der bisherige Index bleibt in Betrieb.",
        "en": "❌ The ingestion stopped: {error}. The previous index keeps serving.",
    },
    "summary_documents": {
        "de": "Dokumente: {added} neu, {changed} geändert, {removed} entfernt, {unchanged} unverändert",
        "en": "Documents: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged",
    },
    "summary_members": {
        "de": "Profile: {added} neu, {changed} geändert, {removed} entfernt, {unchanged} unverändert",
        "en": "Profiles: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged",
    },
    "summary_events": {
        "de": "Veranstaltungen: {added} neu, {changed} geändert, {removed} entfernt, {unchanged} unverändert",
        "en": "Events: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged",
    },
    "summary_failed": {
        "de": "Fehlgeschlagen ({n}), der bisherige Stand bleibt in Betrieb:",
        "en": "Failed ({n}), the previous version keeps serving:",
    },
    "summary_more": {"de": "… und {n} weitere", "en": "… and {n} more"},
    "schedule_report": {
        "de": "Geplante Indizierung ({cron}):",
        "en": "Scheduled ingestion ({cron}):",
    },
    "upload_no_folder": {
        "de": "Es ist kein Dokumentenordner konfiguriert (CLUSTERBRIDGE_DOCS_DIR): Die Datei wurde nicht "
        "gespeichert.",
        "en": "No documents folder is configured (CLUSTERBRIDGE_DOCS_DIR): the file was not stored.",
    },
    "upload_type": {
        "de": "Diese Dateiart kann ich nicht indizieren. Möglich sind: {types}.",
        "en": "I cannot index this kind of file. Possible are: {types}.",
    },
    "upload_too_large": {
        "de": "Die Datei ist größer als {mb} MB (CLUSTERBRIDGE_MAX_FILE_MB) und wurde nicht gespeichert.",
        "en": "The file is larger than {mb} MB (CLUSTERBRIDGE_MAX_FILE_MB) and was not stored.",
    },
    "upload_failed": {
        "de": "Die Datei konnte nicht geladen oder gespeichert werden. Bitte versuchen Sie es noch einmal.",
        "en": "The file could not be downloaded or stored. Please try again.",
    },
    "upload_stored": {
        "de": "📄 {name} ist im Dokumentenordner gespeichert. ⏳ Ich indiziere …",
        "en": "📄 {name} is stored in the documents folder. ⏳ Indexing …",
    },
    "sources_empty": {"de": "Es sind noch keine Dokumente indiziert.", "en": "No documents are indexed yet."},
    "sources_header": {
        "de": "Indizierte Dokumente: {n} (Seite {page} von {pages})",
        "en": "Indexed documents: {n} (page {page} of {pages})",
    },
    "sources_line": {
        "de": "{no}. {title}\n    {file} · {chunks} Passagen · {when}",
        "en": "{no}. {title}\n    {file} · {chunks} passages · {when}",
    },
    "sources_next": {"de": "Weiter mit /sources {page}", "en": "More with /sources {page}"},
    "sources_usage": {"de": "Verwendung: /sources [SEITE]", "en": "Usage: /sources [PAGE]"},
    "remove_usage": {
        "de": "Verwendung: /remove DATEI (den Namen zeigt /sources)",
        "en": "Usage: /remove FILE (/sources shows the names)",
    },
    "remove_unknown": {
        "de": "Kein indiziertes Dokument heißt {name} (siehe /sources).",
        "en": "No indexed document is called {name} (see /sources).",
    },
    "remove_confirm": {
        "de": "{title} ({file}, {chunks} Passagen) aus dem Ordner und dem Index entfernen?",
        "en": "Remove {title} ({file}, {chunks} passages) from the folder and the index?",
    },
    "remove_yes": {"de": "🗑 Entfernen", "en": "🗑 Remove"},
    "remove_no": {"de": "Abbrechen", "en": "Cancel"},
    "remove_cancelled": {"de": "Nichts entfernt.", "en": "Nothing removed."},
    "remove_gone": {
        "de": "Dieses Dokument ist nicht mehr indiziert.",
        "en": "This document is no longer indexed.",
    },
    "removed": {
        "de": "🗑 {file} ist entfernt ({chunks} Passagen).",
        "en": "🗑 {file} is removed ({chunks} passages).",
    },
}
