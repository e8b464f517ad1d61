"""Texts of the admin commands: /stats, /grant, /revoke, /audit (German "Sie")."""

from __future__ import annotations

from knowledge.models import Language

TEXTS: dict[str, dict[Language, str]] = {
    "cmd.grant": {
        "de": "Rolle vergeben: Manager eines Clusters oder Admin (Admins)",
        "en": "Give a role: manager of a cluster, or admin (admins)",
    },
    "args.grant": {"de": "@NAME|ID manager CLUSTER | admin", "en": "@NAME|ID manager CLUSTER | admin"},
    "cmd.revoke": {
        "de": "Rolle entziehen: wieder Mitglied (Admins)",
        "en": "Take a role back: member again (admins)",
    },
    "args.revoke": {"de": "@NAME|ID", "en": "@NAME|ID"},
    "cmd.audit": {"de": "Protokoll der Admin-Aktionen (Admins)", "en": "Log of admin actions (admins)"},
    "args.audit": {"de": "[ANZAHL]", "en": "[N]"},
    "grant_usage": {
        "de": "Verwendung: /grant @name|ID manager CLUSTER, /grant @name|ID admin, /revoke @name|ID. "
        "Zugangsanfragen nehmen Sie mit /approve NR an.",
        "en": "Usage: /grant @name|ID manager CLUSTER, /grant @name|ID admin, /revoke @name|ID. "
        "Access requests: /approve NO.",
    },
    "grant_unknown_user": {
        "de": "{user} kenne ich nicht: Die Person muss dem Bot zuerst schreiben (/start).",
        "en": "I do not know {user}: they need to message the bot first (/start).",
    },
    "grant_unknown_cluster": {
        "de": "Einen Cluster „{cluster}“ gibt es nicht. Cluster: {clusters}",
        "en": "There is no cluster “{cluster}”. Clusters: {clusters}",
    },
    "grant_self": {
        "de": "Ihre eigene Rolle ändern Sie hier nicht; bitten Sie einen anderen Admin.",
        "en": "You cannot change your own role here; ask another admin.",
    },
    "grant_env_admin": {
        "de": "{user} ist über CLUSTERBRIDGE_ADMINS Admin; das ändern Sie in den Einstellungen.",
        "en": "{user} is an admin through CLUSTERBRIDGE_ADMINS; change that in the settings.",
    },
    "granted_manager": {
        "de": "{user} ist jetzt Manager des Clusters {cluster} (vorher: {previous}).",
        "en": "{user} now manages the cluster {cluster} (before: {previous}).",
    },
    "granted_admin": {
        "de": "{user} ist jetzt Admin (vorher: {previous}).",
        "en": "{user} is now an admin (before: {previous}).",
    },
    "revoked": {
        "de": "{user} ist jetzt wieder Mitglied (vorher: {previous}).",
        "en": "{user} is a member again (before: {previous}).",
    },
    "told_manager": {
        "de": "Sie sind jetzt Manager des Clusters {cluster}: /announce und /event stehen Ihnen offen.",
        "en": "You now manage the cluster {cluster}: /announce and /event are open to you.",
    },
    "told_admin": {
        "de": "Sie sind jetzt Admin: /help zeigt Ihre Befehle.",
        "en": "You are now an admin: /help shows your commands.",
    },
    "told_member": {
        "de": "Ihre Rolle ist jetzt wieder „Mitglied“.",
        "en": "Your role is “member” again.",
    },
    "audit_empty": {"de": "Das Protokoll ist noch leer.", "en": "The log is empty so far."},
    "audit_header": {
        "de": "Die letzten {n} Einträge, neueste zuerst:",
        "en": "The last {n} entries, newest first:",
    },
    "audit_usage": {
        "de": "Verwendung: /audit [ANZAHL] (1 bis 50, ohne Angabe 10)",
        "en": "Usage: /audit [N] (1 to 50, 10 by default)",
    },
    "stats": {
        "de": "Statistik\nNutzer: {users}, davon mit Mitgliedsprofil verknüpft: {linked}\n"
        "Aktive Abonnenten: {subscribers}\nDokumente: {documents}, Abschnitte: {chunks}\n"
        "Fragen in 7 Tagen: {week} ({days})\nEnthaltungen (keine Antwort in den Dokumenten): {abstained}\n"
        "Feedback: {up} 👍 / {down} 👎\nLetzte Aufnahme: {ingestion}\nRundsendungen:\n{broadcasts}\n"
        "Offene Zugangsanfragen: {requests}{request_ids}",
        "en": "Statistics\nUsers: {users}, linked to a member profile: {linked}\n"
        "Active subscribers: {subscribers}\nDocuments: {documents}, chunks: {chunks}\n"
        "Questions in 7 days: {week} ({days})\nAbstentions (not in the documents): {abstained}\n"
        "Feedback: {up} 👍 / {down} 👎\nLast ingestion: {ingestion}\nBroadcasts:\n{broadcasts}\n"
        "Open access requests: {requests}{request_ids}",
    },
    "stats_unknown": {"de": "unbekannt (Index nicht erreichbar)", "en": "unknown (index unreachable)"},
    "stats_never": {"de": "noch keine", "en": "none yet"},
    "stats_share": {"de": "{share} % ({n})", "en": "{share}% ({n})"},
    "stats_ingest_ok": {
        "de": "{when} ({trigger}): {added} neu, {changed} geändert, {removed} entfernt, {failed} fehlgeschlagen",
        "en": "{when} ({trigger}): {added} added, {changed} changed, {removed} removed, {failed} failed",
    },
    "stats_ingest_failed": {
        "de": "{when} ({trigger}): abgebrochen – {error}",
        "en": "{when} ({trigger}): failed – {error}",
    },
    "stats_broadcast": {
        "de": "#{id} {audience}: {delivered}/{recipients} zugestellt, {blocked} blockiert, {failed} "
        "fehlgeschlagen, {pending} offen ({state})",
        "en": "#{id} {audience}: {delivered}/{recipients} delivered, {blocked} blocked, {failed} failed, "
        "{pending} pending ({state})",
    },
}
