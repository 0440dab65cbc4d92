// The "as of" control: a UTC datetime input, a slider from now −24 h to
// now +72 h in 1 h steps, and a button back to live time.

import { h } from "./dom";
import { duration, fromInputValue, toInputValue, zLong } from "./format";

const HOUR = 3600_000;
const MIN_H = -24;
const MAX_H = 72;

export class AsOfControl {
  /** null while following the clock ("now"). */
  private fixed: Date | null = null;
  /** The "now" that the slider's 0 stands for; moves while live. */
  private anchor = new Date();
  private input!: HTMLInputElement;
  private slider!: HTMLInputElement;
  private display!: HTMLElement;
  private offsetEl!: HTMLElement;
  private debounce = 0;

  constructor(private onChange: (t: Date) => void) {}

  render(): HTMLElement {
    this.input = h("input", {
      id: "as-of",
      type: "datetime-local",
      step: "60",
      "aria-label": "As of (UTC)",
      title: "As of — date and time in UTC",
    });
    this.slider = h("input", {
      id: "as-of-slider",
      type: "range",
      min: MIN_H,
      max: MAX_H,
      step: 1,
      value: 0,
      "aria-label": "Hours from now",
      list: "as-of-ticks",
    });
    const ticks = h(
      "datalist",
      { id: "as-of-ticks" },
      [-24, -12, 0, 12, 24, 36, 48, 60, 72].map((v) => h("option", { value: v })),
    );
    const nowBtn = h("button", { id: "as-of-now", type: "button", class: "btn btn-small", title: "Back to live time" }, "Now");
    this.display = h("span", { class: "asof-time", id: "as-of-display" });
    this.offsetEl = h("span", { class: "asof-offset" });

    this.input.addEventListener("change", () => {
      const t = fromInputValue(this.input.value);
      if (!t) return;
      this.setFixed(t);
    });
    this.slider.addEventListener("input", () => {
      const off = Number(this.slider.value);
      this.fixed = off === 0 ? null : new Date(this.anchor.getTime() + off * HOUR);
      this.sync(false);
      window.clearTimeout(this.debounce);
      this.debounce = window.setTimeout(() => this.onChange(this.value()), 180);
    });
    this.slider.addEventListener("change", () => {
      window.clearTimeout(this.debounce);
      this.onChange(this.value());
    });
    nowBtn.addEventListener("click", () => this.setNow());

    const scale = h(
      "div",
      { class: "asof-scale", "aria-hidden": "true" },
      h("span", null, "−24 h"),
      h("span", { class: "asof-scale-now" }, "now"),
      h("span", null, "+24 h"),
      h("span", null, "+48 h"),
      h("span", null, "+72 h"),
    );
    const bar = h(
      "div",
      { class: "asof-bar", role: "group", "aria-label": "Time of the picture" },
      h("span", { class: "asof-label" }, "AS OF"),
      this.display,
      this.offsetEl,
      h("div", { class: "asof-slider-wrap" }, this.slider, ticks, scale),
      h("label", { class: "asof-input-wrap" }, this.input, h("span", { class: "utc" }, "UTC")),
      nowBtn,
    );
    this.sync(true);
    return bar;
  }

  /** The chosen time. */
  value(): Date {
    return this.fixed ?? new Date();
  }

  isLive(): boolean {
    return this.fixed === null;
  }

  setNow(): void {
    this.fixed = null;
    this.anchor = new Date();
    this.sync(true);
    this.onChange(this.value());
  }

  /** Moves the live anchor on (called once a minute while live). */
  tick(): void {
    this.anchor = new Date();
    this.sync(!this.input.matches(":focus"));
  }

  private setFixed(t: Date): void {
    this.fixed = t;
    this.sync(false);
    this.onChange(this.value());
  }

  private sync(updateInput: boolean): void {
    const t = this.value();
    if (updateInput || !this.input.matches(":focus")) this.input.value = toInputValue(t);
    const off = Math.round((t.getTime() - this.anchor.getTime()) / HOUR);
    if (this.fixed) this.slider.value = String(Math.max(MIN_H, Math.min(MAX_H, off)));
    else this.slider.value = "0";
    this.display.textContent = zLong(t);
    const bar = this.display.parentElement;
    const live = this.fixed === null;
    document.body.classList.toggle("asof-live", live);
    bar?.classList.toggle("is-live", live);
    if (live) {
      this.offsetEl.textContent = "LIVE";
      this.offsetEl.className = "asof-offset live";
    } else {
      const ms = t.getTime() - Date.now();
      const rel = Math.abs(ms) < 60_000 ? "now" : ms > 0 ? `+${duration(ms)}` : `${duration(ms)}`;
      this.offsetEl.textContent = ms > 0 ? `FUTURE ${rel}` : `PAST ${rel}`;
      this.offsetEl.className = `asof-offset ${ms > 0 ? "future" : "past"}`;
    }
    this.slider.setAttribute("aria-valuetext", `${zLong(t)}${live ? " (now)" : ""}`);
  }
}
