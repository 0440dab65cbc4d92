// The aid dashboard's charts, drawn with Chart.js. Only the controllers,
// elements, scales and plugins used here are registered, so the bundle
// carries no more of the library than it needs. Animation is off: the
// charts draw in their final state at once, which also makes screenshots
// reproducible.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type TooltipItem,
} from "chart.js";

import type { Crossing, KPIs } from "./aidapi";
import { STAGE_SHORT, dayLabel, hours, lbl, num } from "./aidfmt";
import { h } from "./dom";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);
Chart.defaults.animation = false;
Chart.defaults.font.family = getComputedStyle(document.documentElement).getPropertyValue("--font").trim() || "system-ui, sans-serif";
Chart.defaults.font.size = 11;
Chart.defaults.color = "#46525f";
Chart.defaults.borderColor = "#e6eaef";
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.plugins.legend.labels.boxWidth = 12;
Chart.defaults.plugins.legend.labels.boxHeight = 12;

const C = {
  met: "#2e9d57",
  entered: "#4f86cf",
  target: "#c62828",
  collected: "#1f6fd1",
  delivered: "#2e9d57",
  intercepted: "#d9412f",
  collectedLight: "#9cc2ee",
  median: "#1f6fd1",
  p90: "#f2a900",
  reason: "#b85a00",
  item: "#7b1fa2",
};

/** One chart on the dashboard: a titled panel with its canvas. */
interface Slot {
  el: HTMLElement;
  canvas: HTMLCanvasElement;
  empty: HTMLElement;
  chart: Chart | null;
}

type ChartName = "entered" | "flow" | "crossings" | "dwell" | "rejections" | "items";

const TITLES: Record<ChartName, [string, string]> = {
  entered: ["Trucks entered per day", "offloaded inside, against the daily target"],
  flow: ["Collected, delivered and intercepted per day", "tonnes"],
  crossings: ["Per crossing", "trucks over the range; awaiting collection now"],
  rejections: ["Rejection reasons", "consignments rejected"],
  items: ["Rejected items", "rejections naming the item"],
  dwell: ["Dwell time per stage", "hours from one stage to the next: median and 90th percentile"],
};

/** Horizontal bar charts grow with their rows, so that every label shows. */
const ROW_PX = 24;

/** The dashboard's charts, kept across reloads and updated in place. */
export class AidCharts {
  readonly el: HTMLElement;
  private slots = new Map<ChartName, Slot>();

  constructor() {
    this.el = h("div", { id: "aid-charts", class: "aid-charts" });
    for (const name of Object.keys(TITLES) as ChartName[]) {
      const [title, unit] = TITLES[name];
      const canvas = h("canvas", { id: `aid-chart-${name}`, role: "img", "aria-label": title });
      const empty = h("p", { class: "aid-chart-empty", hidden: true });
      const el = h(
        "section",
        { class: `aid-panel aid-chart aid-chart-${name}`, "data-chart": name, "aria-label": title },
        h("div", { class: "aid-panel-head" }, h("h2", null, title, h("span", { class: "panel-hint" }, unit))),
        h("div", { class: "aid-chart-box" }, canvas, empty),
      );
      this.slots.set(name, { el, canvas, empty, chart: null });
      this.el.append(el);
    }
  }

  destroy(): void {
    for (const s of this.slots.values()) s.chart?.destroy();
    this.slots.clear();
  }

  /** Draws every chart from the KPIs. */
  render(k: KPIs, crossings: Map<string, Crossing>): void {
    const days = k.days ?? [];
    const labels = days.map((d) => dayLabel(d.date));
    this.draw(
      "entered",
      days.length ? null : "No days in the range.",
      {
        type: "bar",
        data: {
          labels,
          datasets: [
            {
              type: "bar",
              label: "Trucks entered",
              data: days.map((d) => d.entered.trucks),
              backgroundColor: days.map((d) => (d.met_target ? C.met : C.entered)),
              borderWidth: 0,
              order: 2,
            },
            {
              type: "line",
              label: `Target (${num(k.target_trucks)} trucks/day)`,
              data: days.map(() => k.target_trucks),
              borderColor: C.target,
              borderWidth: 2,
              borderDash: [6, 4],
              pointRadius: 0,
              pointHoverRadius: 0,
              fill: false,
              order: 1,
            },
          ] as ChartDataset<"bar" | "line", number[]>[],
        },
        options: {
          plugins: {
            legend: { position: "top", align: "end", labels: { generateLabels: enteredLegend } },
            tooltip: { callbacks: { label: (c: TooltipItem<"bar" | "line">) => `${c.dataset.label}: ${num(Number(c.raw))} trucks` } },
          },
          scales: {
            x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
            y: { beginAtZero: true, title: { display: true, text: "trucks / day" } },
          },
        },
      },
      days.map((d) => d.entered.trucks),
    );

    this.draw(
      "flow",
      days.length ? null : "No days in the range.",
      {
        type: "bar",
        data: {
          labels,
          datasets: [
            { type: "line", label: "Collected", data: days.map((d) => d.collected.tonnes), borderColor: C.collected, backgroundColor: C.collected, borderWidth: 2, pointRadius: 0, tension: 0.25, order: 1 },
            { type: "line", label: "Delivered", data: days.map((d) => d.delivered.tonnes), borderColor: C.delivered, backgroundColor: C.delivered, borderWidth: 2, pointRadius: 0, tension: 0.25, order: 1 },
            { type: "bar", label: "Intercepted", data: days.map((d) => d.intercepted.tonnes), backgroundColor: C.intercepted, borderWidth: 0, order: 2 },
          ] as ChartDataset<"bar" | "line", number[]>[],
        },
        options: {
          interaction: { mode: "index", intersect: false },
          plugins: { legend: { position: "top", align: "end" }, tooltip: { callbacks: { label: (c: TooltipItem<"bar" | "line">) => `${c.dataset.label}: ${num(Number(c.raw))} t` } } },
          scales: {
            x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
            y: { beginAtZero: true, title: { display: true, text: "tonnes / day" } },
          },
        },
      },
      days.map((d) => d.collected.tonnes),
    );

    const bc = (k.by_crossing ?? []).slice().sort((a, b) => b.entered.trucks - a.entered.trucks);
    const cname = (id: string) => shortCrossing(crossings.get(id)?.name ?? "A crossing not on your map");
    this.draw(
      "crossings",
      bc.length ? null : "Nothing entered through any crossing in the range.",
      {
        type: "bar",
        data: {
          labels: bc.map((c) => [cname(c.crossing), `${num(c.awaiting)} awaiting`]),
          datasets: [
            { label: "Entered", data: bc.map((c) => c.entered.trucks), backgroundColor: C.collected, borderWidth: 0 },
            { label: "Collected", data: bc.map((c) => c.collected.trucks), backgroundColor: C.collectedLight, borderWidth: 0 },
          ],
        },
        options: {
          indexAxis: "y",
          plugins: { legend: { position: "top", align: "end" }, tooltip: { callbacks: { label: (c: TooltipItem<"bar" | "line">) => `${c.dataset.label}: ${num(Number(c.raw))} trucks` } } },
          scales: { x: { beginAtZero: true, title: { display: true, text: "trucks" } }, y: { grid: { display: false }, ticks: { autoSkip: false } } },
        },
      },
      bc.map((c) => c.entered.trucks),
      bc.length * 2,
    );

    const dw = (k.dwell ?? []).filter((d) => d.n > 0);
    this.draw(
      "dwell",
      dw.length ? null : "No stage was reached in the range.",
      {
        type: "bar",
        data: {
          labels: dw.map((d) => `${lbl(STAGE_SHORT, d.from)} → ${lbl(STAGE_SHORT, d.to)}`),
          datasets: [
            { label: "Median", data: dw.map((d) => d.median_h), backgroundColor: C.median, borderWidth: 0 },
            { label: "90th percentile", data: dw.map((d) => d.p90_h), backgroundColor: C.p90, borderWidth: 0 },
          ],
        },
        options: {
          indexAxis: "y",
          plugins: {
            legend: { position: "top", align: "end" },
            tooltip: { callbacks: { label: (c: TooltipItem<"bar" | "line">) => `${c.dataset.label}: ${hours(Number(c.raw))} (${num(dw[c.dataIndex].n)} consignments)` } },
          },
          scales: { x: { beginAtZero: true, title: { display: true, text: "hours" } }, y: { grid: { display: false }, ticks: { autoSkip: false } } },
        },
      },
      dw.map((d) => d.median_h),
      dw.length * 1.4,
    );

    const rr = k.rejection_reasons ?? [];
    const ri = k.rejected_items ?? [];
    this.draw("rejections", rr.length ? null : "No rejections in the range.", countChart(rr.map((r) => r.label), rr.map((r) => r.n), "Consignments", C.reason, "consignments"), rr.map((r) => r.n), Math.max(rr.length, ri.length));
    this.draw("items", ri.length ? null : "No rejected items named in the range.", countChart(ri.map((r) => r.label), ri.map((r) => r.n), "Rejections", C.item, "rejections"), ri.map((r) => r.n), Math.max(rr.length, ri.length));
  }

  private draw(
    name: ChartName,
    emptyText: string | null,
    cfg: ChartConfiguration<"bar" | "line", number[], unknown> | ChartConfiguration<"bar", number[], unknown>,
    series: number[],
    rows = 0,
  ): void {
    const s = this.slots.get(name);
    if (!s) return;
    // A horizontal chart's height follows its rows (and its legend).
    const box = s.canvas.parentElement as HTMLElement;
    box.style.height = rows ? `${Math.max(150, rows * ROW_PX + 78)}px` : "";
    s.canvas.dataset.series = JSON.stringify(series);
    s.el.classList.toggle("is-empty", !!emptyText);
    s.empty.hidden = !emptyText;
    s.empty.textContent = emptyText ?? "";
    s.canvas.hidden = !!emptyText;
    if (emptyText) {
      s.chart?.destroy();
      s.chart = null;
      return;
    }
    if (s.chart) {
      s.chart.data = cfg.data as Chart["data"];
      s.chart.options = cfg.options as Chart["options"];
      s.chart.update("none");
      return;
    }
    s.chart = new Chart(s.canvas, cfg as ChartConfiguration);
  }
}

function countChart(labels: string[], data: number[], label: string, color: string, unit: string): ChartConfiguration<"bar", number[], unknown> {
  return {
    type: "bar",
    data: { labels, datasets: [{ label, data, backgroundColor: color, borderWidth: 0, maxBarThickness: 22 }] },
    options: {
      indexAxis: "y",
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c: TooltipItem<"bar">) => `${num(Number(c.raw))} ${unit}` } } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: unit } }, y: { grid: { display: false }, ticks: { autoSkip: false } } },
    },
  };
}

/** The entered chart's legend: the bars in both colours, then the target. */
function enteredLegend(chart: Chart) {
  const color = chart.options.color as string;
  const items = Chart.defaults.plugins.legend.labels.generateLabels(chart).filter((i) => i.datasetIndex === 1);
  return [
    { text: "Entered", fillStyle: C.entered, strokeStyle: C.entered, lineWidth: 0, fontColor: color, datasetIndex: 0, hidden: false },
    { text: "Target met", fillStyle: C.met, strokeStyle: C.met, lineWidth: 0, fontColor: color, datasetIndex: 0, hidden: false },
    ...items,
  ];
}

/** "Kerem Shalom crossing" → "Kerem Shalom". */
export function shortCrossing(name: string): string {
  return name.replace(/\s+crossing$/i, "");
}
