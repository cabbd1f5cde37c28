// The offer's two-tone beep (WebAudio, unlocked by the first click) and desktop notifications.
export class Alerts {
  constructor() {
    this.audio = null;
  }

  unlock() {
    try {
      this.audio = this.audio || new (window.AudioContext || window.webkitAudioContext)();
      if (this.audio.state === "suspended") this.audio.resume();
    } catch { this.audio = null; }
  }

  beep() {
    if (!this.audio) this.unlock();
    const audio = this.audio;
    if (!audio) return;
    const now = audio.currentTime;
    for (const [i, freq] of [[0, 880], [1, 1175]]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.25, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.18);
      osc.stop(now + i * 0.18 + 0.17);
    }
    window.__livedeskBeeps = (window.__livedeskBeeps || 0) + 1; // observable in tests
  }

  // A notification that brings the console forward when clicked; nothing without permission.
  notify(title, body, tag, onclick) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      const n = new Notification(title, { body, tag, requireInteraction: true });
      n.onclick = () => { window.focus(); onclick(); n.close(); };
    } catch { /* some platforms only allow notifications from a service worker */ }
  }

  get permitted() {
    return window.Notification?.permission === "granted";
  }

  async ask() {
    this.unlock();
    if (!("Notification" in window)) return false;
    return (await Notification.requestPermission()) === "granted";
  }
}
