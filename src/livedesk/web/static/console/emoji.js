// A small emoji picker for the composer, no framework: a button opens a grid of emoji buttons;
// arrow keys move (Home/End to the ends), Enter or Space inserts, Escape closes and returns
// to the button. Each emoji has a name a screen reader says, in the user's language.
import { el } from "/widget/dom.js";

const EMOJI = [
  ["😊", "blij gezicht", "smiling face"], ["🙂", "glimlach", "slight smile"], ["😀", "lach", "grin"],
  ["😉", "knipoog", "wink"], ["😅", "opgelucht lachen", "relieved laugh"], ["🤔", "nadenken", "thinking"],
  ["😔", "teleurgesteld", "disappointed"], ["👀", "ik kijk even", "eyes"], ["👍", "duim omhoog", "thumbs up"],
  ["🙏", "dank je", "thank you"], ["👋", "zwaaien", "wave"], ["❤️", "hart", "heart"],
  ["🎉", "feest", "party"], ["⭐", "ster", "star"], ["💡", "idee", "idea"], ["✅", "vinkje", "check mark"],
  ["❌", "kruis", "cross"], ["⏳", "zandloper", "hourglass"], ["📦", "pakket", "package"], ["🚚", "bezorging", "delivery"],
  ["📞", "telefoon", "phone"], ["✉️", "envelop", "envelope"], ["📅", "kalender", "calendar"], ["☕", "koffie", "coffee"],
];
const PER_ROW = 6;

export class EmojiPicker {
  // onPick(emoji) inserts it; t for the labels.
  constructor(t, onPick) {
    this.onPick = onPick;
    const english = t.lang === "en";
    this.toggle = el("button", { type: "button", class: "ghost emoji-toggle", id: "emoji-toggle", "aria-haspopup": "true",
      "aria-expanded": "false", "aria-controls": "emoji-picker", "aria-label": t("emojiOpen"), title: t("emojiOpen"),
      onclick: () => (this.isOpen ? this.close(true) : this.open()) }, "😊");
    this.buttons = EMOJI.map(([char, nl, en]) => el("button", { type: "button", class: "emoji", tabindex: "-1",
      "aria-label": english ? en : nl, title: english ? en : nl, onclick: () => this.pick(char) }, char));
    this.panel = el("div", { class: "emoji-picker", id: "emoji-picker", role: "group", "aria-label": t("emojiList"), hidden: true,
      onkeydown: (e) => this.onKey(e), onfocusout: (e) => { if (!this.node.contains(e.relatedTarget)) this.close(false); } },
    this.buttons);
    this.node = el("div", { class: "emoji-wrap" }, this.toggle, this.panel);
    this.active = 0;
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  open() {
    this.panel.hidden = false;
    this.toggle.setAttribute("aria-expanded", "true");
    this.focus(0);
  }

  close(returnFocus) {
    if (!this.isOpen) return;
    this.panel.hidden = true;
    this.toggle.setAttribute("aria-expanded", "false");
    if (returnFocus) this.toggle.focus();
  }

  focus(i) {
    this.active = (i + this.buttons.length) % this.buttons.length;
    this.buttons.forEach((b, j) => { b.tabIndex = j === this.active ? 0 : -1; });
    this.buttons[this.active].focus();
  }

  pick(char) {
    this.close(false);
    this.onPick(char);
  }

  onKey(e) {
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: PER_ROW, ArrowUp: -PER_ROW };
    if (e.key in moves) this.focus(this.active + moves[e.key]);
    else if (e.key === "Home") this.focus(0);
    else if (e.key === "End") this.focus(this.buttons.length - 1);
    else if (e.key === "Escape") this.close(true);
    else return;
    e.preventDefault();
    e.stopPropagation();
  }
}
