// The widget's texts for the chat itself; those of the forms, the offline form, the end of a
// chat and the preview are in form-texts.js, loaded with the first of those. Dutch comes in two
// forms of address, as the business chooses (Business.form_of_address): "je" below, and "u" as
// the overrides in U. English (en.js, form-texts.js) is loaded only for a visitor who gets the
// widget in English.
import { translator } from "../shared/i18n.js";

const NL = {
  title: "Chat met {name}",
  close: "Chat sluiten",
  placeholder: "Typ je bericht…",
  send: "Versturen",
  you: "Jij",
  operator: "Medewerker",
  assistant: "Digitale assistent",
  sending: "Wordt verzonden…",
  sent: "Verzonden",
  read: "Gelezen",
  waiting: "Even geduld, er komt zo een medewerker bij je.",
  queue: "Je bent nummer {position} in de wachtrij.",
  eta: "Geschatte wachttijd: {wait}.",
  minutes: "ongeveer {n} min",
  seconds: "minder dan een minuut",
  nobody: "Er is nu geen medewerker online.",
  botHelps: "Onze digitale assistent beantwoordt je vraag alvast.",
  chattingWith: "Je chat met {name}.",
  typing: "{name} typt…",
  newChat: "Nieuw gesprek",
  reconnecting: "Verbinding verbroken. We proberen opnieuw te verbinden…",
  offline: "Je bent offline. Berichten worden verstuurd zodra je weer verbonden bent.",
  gap: "Eerdere berichten zijn niet geladen.",
  tooLong: "Je bericht is te lang.",
  attach: "Bestand bijvoegen",
  inactive: "Deze chat is niet beschikbaar. Neem op een andere manier contact met ons op.",
};

// "u": every text above that addresses the visitor.
const U = {
  placeholder: "Typ uw bericht…",
  you: "U",
  waiting: "Een ogenblik geduld, er komt zo een medewerker bij u.",
  queue: "U bent nummer {position} in de wachtrij.",
  botHelps: "Onze digitale assistent beantwoordt uw vraag alvast.",
  chattingWith: "U chat met {name}.",
  offline: "U bent offline. Berichten worden verstuurd zodra u weer verbonden bent.",
  tooLong: "Uw bericht is te lang.",
};

// t(key, vars) in the language and form of address ("u" unless the business chose "je"); with
// `forms`, the texts of the forms and the end of a chat too.
export async function loadT(lang, form, forms) {
  const nl = form === "je" ? { ...NL } : { ...NL, ...U };
  const en = lang === "en" ? { ...(await import("./en.js")).EN } : null;
  if (forms) {
    const more = await import("./form-texts.js");
    Object.assign(nl, more.NL, form === "je" ? {} : more.U);
    if (en) Object.assign(en, more.EN);
  }
  return translator(en ? { nl, en } : { nl }, lang);
}
