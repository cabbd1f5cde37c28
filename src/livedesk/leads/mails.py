"""The e-mails the delivery outbox sends: a lead or a transcript as plain text (visitor text
as typed, never HTML), or a system mail written whole by whoever queued it."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from livedesk.leads.models import SYSTEM_EMAIL, OutboxItem

TEXTS = {
    "nl": {
        "lead.created": "Nieuwe lead via Livedesk: {name}",
        "transcript": "Gespreksverslag van {business}",
        "visitor.transcript": "Uw gesprek met {business}",
        "kind": "Soort",
        "name": "Naam",
        "email": "E-mail",
        "phone": "Telefoon",
        "intent": "Vraag van de bezoeker",
        "notes": "Notities van de operator",
        "qualification": "Kwalificatie",
        "page": "Pagina",
        "transcript_title": "Gesprek",
        "visitor": "Bezoeker",
        "operator": "Medewerker",
        "bot": "Bot",
        "system": "Systeem",
        "expert": "Expert",
        "empty": "(geen berichten)",
    },
    "en": {
        "lead.created": "New lead from Livedesk: {name}",
        "transcript": "Chat transcript for {business}",
        "visitor.transcript": "Your chat with {business}",
        "kind": "Kind",
        "name": "Name",
        "email": "E-mail",
        "phone": "Phone",
        "intent": "The visitor's question",
        "notes": "Operator notes",
        "qualification": "Qualification",
        "page": "Page",
        "transcript_title": "Conversation",
        "visitor": "Visitor",
        "operator": "Agent",
        "bot": "Bot",
        "system": "System",
        "expert": "Expert",
        "empty": "(no messages)",
    },
}


def _addressed(item: OutboxItem, sender: str, subject: str, language: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(item.target["emails"])
    message["Subject"] = subject
    # The same Message-ID on every retry lets mail systems drop a duplicate.
    domain = sender.rsplit("@", 1)[-1].strip(">") or "livedesk.local"
    message["Message-ID"] = make_msgid(idstring=item.id, domain=domain)
    message["Idempotency-Key"] = item.idempotency_key
    message["Content-Language"] = language
    return message


def render_email(item: OutboxItem, sender: str) -> EmailMessage:
    language = item.target.get("language", "nl")
    if item.event == SYSTEM_EMAIL:  # written whole by whoever queued it
        message = _addressed(item, sender, item.payload["subject"], language)
        message.set_content(item.payload["text"])
        if item.payload.get("html"):  # an alternative to the text, never instead of it
            message.add_alternative(item.payload["html"], subtype="html")
            # Making it multipart moved the Content-* headers onto the text part.
            message["Content-Language"] = language
        return message
    t = TEXTS.get(language, TEXTS["nl"])
    payload = item.payload
    business = payload.get("business", {}).get("name", "")
    lead = payload.get("lead")
    lines: list[str] = []
    if lead:
        who = lead.get("name") or lead.get("email") or lead.get("phone") or "?"
        subject = t["lead.created"].format(name=who)
        for key in ("kind", "name", "email", "phone"):
            if lead.get(key):
                lines.append(f"{t[key]}: {lead[key]}")
        if lead.get("page_url"):
            lines.append(f"{t['page']}: {lead['page_url']}")
        for key in ("intent", "notes"):
            if lead.get(key):
                lines += ["", f"{t[key]}:", lead[key]]
        if lead.get("qualification"):
            lines += ["", f"{t['qualification']}:"]
            lines += [f"  {k}: {v}" for k, v in lead["qualification"].items()]
    else:
        subject = t[item.event].format(business=business)
    lines += ["", f"{t['transcript_title']}:"]
    transcript = payload.get("transcript") or []
    if not transcript:
        lines.append(t["empty"])
    for m in transcript:
        author = m.get("author_name") or t.get(m.get("author_kind", ""), m.get("author_kind"))
        lines.append(f"[{str(m.get('at', ''))[:19].replace('T', ' ')}] {author}: {m['body']}")
    message = _addressed(item, sender, subject, language)
    message.set_content("\n".join(lines))
    return message
