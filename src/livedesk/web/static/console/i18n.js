// Operator console texts: Dutch first, English available (per user language).
const nl = {
  login: "Inloggen", username: "Gebruikersnaam", password: "Wachtwoord", loginFailed: "Inloggen mislukt: controleer je gegevens.",
  logout: "Uitloggen", presence: "Status", online: "Online", away: "Afwezig", offline: "Offline",
  notifyOn: "Meldingen aanzetten", notifyDone: "Meldingen staan aan", floor: "Vloer", console: "Console",
  chats: "Chats", noChats: "Geen open chats.", pick: "Kies links een chat (Alt+1…9, Alt+↑/↓).",
  queued: "wachtrij", offered: "aangeboden", active: "actief", closed: "gesloten", abandoned: "verlaten", missed: "gemist",
  offer: "Nieuwe chat aangeboden", offerBody: "{business}: {page}", accept: "Aannemen", decline: "Weigeren",
  expiresIn: "verloopt over {s} s", waiting: "wacht {t}", unread: "{n} ongelezen",
  you: "Jij", visitor: "Bezoeker", note: "Notitie", noteMode: "Interne notitie", sending: "Wordt verzonden…", sent: "Verzonden", read: "Gelezen",
  placeholder: "Typ je antwoord… (Enter verstuurt, Shift+Enter nieuwe regel)", notePlaceholder: "Interne notitie (alleen zichtbaar voor collega's)",
  send: "Versturen", canned: "Standaardantwoord", cannedPick: "Kies een standaardantwoord…",
  cannedList: "Standaardantwoorden", cannedFound: "{n} standaardantwoorden; ↑/↓ om te kiezen, Enter of Tab om in te voegen, Escape om te sluiten",
  contacts: "Contactpersonen", phone: "Telefoon", email: "E-mail", when: "Wanneer",
  account_deactivated: "Je account is gedeactiveerd. Vraag je beheerder als dat niet klopt.", signed_out: "Je bent uitgelogd (je wachtwoord is gewijzigd). Log opnieuw in.",
  close: "Afsluiten", disposition: "Uitkomst", answered: "Beantwoord", lead: "Lead", not_answerable: "Niet te beantwoorden", spam: "Spam", test: "Test", no_intent: "Geen vraag",
  transfer: "Overdragen", toQueue: "Terug naar de wachtrij", toOperator: "Naar collega (id)",
  business: "Klant", guidelines: "Richtlijnen", tone: "Toon", neverPromise: "Nooit beloven", escalation: "Escalatie",
  hours: "Openingstijden", closedDay: "gesloten", visitorInfo: "Bezoeker", page: "Pagina", referrer: "Verwijzer", language: "Taal", started: "Gestart",
  returning: "Terugkerende bezoeker", earlier: "Eerdere gesprekken", prechat: "Voorgesprek", none: "—", newVisitor: "Nieuwe bezoeker",
  suggestions: "FAQ-suggesties", insert: "Invoegen", faqSearch: "FAQ zoeken", search: "Zoeken", noResults: "Niets gevonden.",
  proposeFaq: "Voorstellen als FAQ", question: "Vraag", answer: "Antwoord", proposed: "Voorstel verstuurd.",
  leadKind: "Soort", sales_lead: "Verkoopkans", callback_request: "Terugbelverzoek", question_for_business: "Vraag voor de klant", leadNotes: "Notities", leadConsent: "Bezoeker geeft toestemming",
  leadForm: "Lead vastleggen", leadName: "Naam", leadEmail: "E-mail", leadPhone: "Telefoon", leadQuestion: "Vraag / samenvatting", leadSave: "Lead opslaan", leadSaved: "Lead opgeslagen.",
  failed: "Dat lukte niet.", reconnecting: "Verbinding verbroken, opnieuw verbinden…", typing: "Bezoeker typt…",
  notAssigned: "Neem de chat eerst aan.", mine: "mijn chat", colleague: "bij {name}",
  expertOf: "expert van {business}", experts: "Doet mee: {names}",
  days: { mon: "ma", tue: "di", wed: "wo", thu: "do", fri: "vr", sat: "za", sun: "zo" },
  floorTitle: "Vloer", perBusiness: "Wachtrijen per klant", operators: "Operators", queuedN: "In wachtrij", longest: "Langste wachttijd",
  activeN: "Actief", missedN: "Gemiste aanbiedingen", load: "Belasting", source: "Bron", sourceApi: "GET /api/v1/floor (elke 3 s)", sourceSocket: "berekend uit de live chatverbinding",
};
const en = {
  login: "Log in", username: "Username", password: "Password", loginFailed: "Login failed: check your details.",
  logout: "Log out", presence: "Status", online: "Online", away: "Away", offline: "Offline",
  notifyOn: "Enable notifications", notifyDone: "Notifications on", floor: "Floor", console: "Console",
  chats: "Chats", noChats: "No open chats.", pick: "Pick a chat on the left (Alt+1…9, Alt+↑/↓).",
  queued: "queued", offered: "offered", active: "active", closed: "closed", abandoned: "abandoned", missed: "missed",
  offer: "New chat offered", offerBody: "{business}: {page}", accept: "Accept", decline: "Decline",
  expiresIn: "expires in {s} s", waiting: "waiting {t}", unread: "{n} unread",
  you: "You", visitor: "Visitor", note: "Note", noteMode: "Internal note", sending: "Sending…", sent: "Sent", read: "Read",
  placeholder: "Type your answer… (Enter sends, Shift+Enter new line)", notePlaceholder: "Internal note (colleagues only)",
  send: "Send", canned: "Canned response", cannedPick: "Pick a canned response…",
  cannedList: "Canned responses", cannedFound: "{n} canned responses; ↑/↓ to choose, Enter or Tab to insert, Escape to close",
  contacts: "Contacts", phone: "Phone", email: "E-mail", when: "When",
  account_deactivated: "Your account was deactivated. Ask your administrator if that is wrong.", signed_out: "You were logged out (your password changed). Please log in again.",
  close: "Close", disposition: "Outcome", answered: "Answered", lead: "Lead", not_answerable: "Not answerable", spam: "Spam", test: "Test", no_intent: "No intent",
  transfer: "Transfer", toQueue: "Back to the queue", toOperator: "To colleague (id)",
  business: "Client", guidelines: "Guidelines", tone: "Tone", neverPromise: "Never promise", escalation: "Escalation",
  hours: "Opening hours", closedDay: "closed", visitorInfo: "Visitor", page: "Page", referrer: "Referrer", language: "Language", started: "Started",
  returning: "Returning visitor", earlier: "Earlier conversations", prechat: "Pre-chat", none: "—", newVisitor: "New visitor",
  suggestions: "FAQ suggestions", insert: "Insert", faqSearch: "Search FAQ", search: "Search", noResults: "Nothing found.",
  proposeFaq: "Propose as FAQ", question: "Question", answer: "Answer", proposed: "Proposal sent.",
  leadKind: "Kind", sales_lead: "Sales lead", callback_request: "Callback request", question_for_business: "Question for the client", leadNotes: "Notes", leadConsent: "Visitor consents",
  leadForm: "Record a lead", leadName: "Name", leadEmail: "E-mail", leadPhone: "Phone", leadQuestion: "Question / summary", leadSave: "Save lead", leadSaved: "Lead saved.",
  failed: "That did not work.", reconnecting: "Connection lost, reconnecting…", typing: "Visitor is typing…",
  notAssigned: "Accept the chat first.", mine: "my chat", colleague: "with {name}",
  expertOf: "expert at {business}", experts: "Taking part: {names}",
  days: { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun" },
  floorTitle: "Floor", perBusiness: "Queues per client", operators: "Operators", queuedN: "Queued", longest: "Longest wait",
  activeN: "Active", missedN: "Missed offers", load: "Load", source: "Source", sourceApi: "GET /api/v1/floor (every 3 s)", sourceSocket: "computed from the live chat connection",
};

export function makeT(lang) {
  const table = (lang || "").startsWith("en") ? en : nl;
  const t = (key, vars) => {
    let text = table[key] ?? nl[key] ?? key;
    if (vars && typeof text === "string") for (const [k, v] of Object.entries(vars)) text = text.split(`{${k}}`).join(String(v));
    return text;
  };
  t.lang = table === en ? "en" : "nl";
  return t;
}
