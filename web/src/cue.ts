// The audible cue of a new alert: a short tone pattern generated with the
// Web Audio API (no audio file is fetched), with a mute switch that the
// browser remembers. Browsers start audio only after the user has
// interacted with the page; the first click or key press unlocks it (a wall
// display's browser can be started with --autoplay-policy=no-user-gesture-required).

const MUTE_KEY = "concord.alertSoundMuted";

export class AlertSound {
  private ctx: AudioContext | null = null;
  private mutedFlag: boolean;
  /** How many cues were played (scheduled on a running audio context). */
  played = 0;

  constructor() {
    let m = false;
    try {
      m = localStorage.getItem(MUTE_KEY) === "1";
    } catch {
      /* storage may be off */
    }
    this.mutedFlag = m;
    document.addEventListener("pointerdown", this.unlock, { capture: true, passive: true });
    document.addEventListener("keydown", this.unlock, { capture: true, passive: true });
  }

  destroy(): void {
    document.removeEventListener("pointerdown", this.unlock, { capture: true });
    document.removeEventListener("keydown", this.unlock, { capture: true });
    void this.ctx?.close();
    this.ctx = null;
  }

  get muted(): boolean {
    return this.mutedFlag;
  }

  set muted(on: boolean) {
    this.mutedFlag = on;
    try {
      localStorage.setItem(MUTE_KEY, on ? "1" : "0");
    } catch {
      /* storage may be off */
    }
  }

  /** "running", "suspended" (waiting for a user gesture) or "none". */
  get state(): string {
    return this.ctx?.state ?? "none";
  }

  private unlock = () => {
    const c = this.context();
    if (c && c.state === "suspended") void c.resume();
  };

  private context(): AudioContext | null {
    if (this.ctx) return this.ctx;
    const AC = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!AC) return null;
    try {
      this.ctx = new AC();
    } catch {
      return null;
    }
    return this.ctx;
  }

  /** Plays the cue of a severity: three falling pulses for critical, two soft beeps for warning. */
  play(severity: "critical" | "warning"): void {
    if (this.mutedFlag) return;
    const c = this.context();
    if (!c) return;
    if (c.state === "suspended") void c.resume();
    if (c.state !== "running") return;
    const t0 = c.currentTime + 0.02;
    const tones = severity === "critical" ? [[988, 0], [784, 0.18], [988, 0.36], [784, 0.54]] : [[660, 0], [660, 0.22]];
    const wave: OscillatorType = severity === "critical" ? "square" : "sine";
    const peak = severity === "critical" ? 0.07 : 0.12;
    for (const [freq, at] of tones) {
      const o = c.createOscillator();
      const g = c.createGain();
      o.type = wave;
      o.frequency.value = freq;
      g.gain.setValueAtTime(0.0001, t0 + at);
      g.gain.exponentialRampToValueAtTime(peak, t0 + at + 0.015);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.15);
      o.connect(g).connect(c.destination);
      o.start(t0 + at);
      o.stop(t0 + at + 0.17);
    }
    this.played++;
  }
}
