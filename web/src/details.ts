// The details panel: marking banner first, then what the record says in
// plain words, its validity window, who owns and last changed it, and its
// full version history.

import { api, type ApiError, type Caveat, type Feature, type Group, type HistoryVersion, type Party } from "./api";
import { byId, clear, h, svg, type Child } from "./dom";
import {
  KIND_SINGULAR,
  LINE_VERSION_LABEL,
  PROP_LABEL,
  SITE_KIND_LABEL,
  STATUS_LABEL,
  duration,
  humanize,
  label,
  number,
  parseTime,
  zShort,
} from "./format";
import { siteSymbol, statusColor } from "./icons";
import { sectorLabel } from "./map";

export interface Directory {
  parties: Map<string, Party>;
  groups: Map<string, Group>;
  caveats: Map<string, Caveat>;
}

/** The colour class of a banner: how widely the record may travel. */
export function bannerClass(banner: string): string {
  if (banner.includes("//")) return "m-caveat";
  if (/^PUBLIC\b/.test(banner)) return "m-public";
  if (/\bALL\b/.test(banner)) return "m-all";
  return "m-restricted";
}

const BANNER_HINT: Record<string, string> = {
  "m-public": "Public: may be shared with anyone.",
  "m-all": "Releasable to every mission party.",
  "m-restricted": "Restricted release: only the parties and groups named.",
  "m-caveat": "Carries a handling caveat: read the caveat before relaying.",
};

export class DetailsPanel {
  private root = byId("details");
  private currentId: string | null = null;
  private historySeq = 0;

  constructor(
    private dir: Directory,
    private onClose: () => void,
    private asOf: () => Date,
  ) {
    this.root.hidden = true;
  }

  get id(): string | null {
    return this.currentId;
  }

  close(): void {
    this.currentId = null;
    this.root.hidden = true;
    clear(this.root);
    document.body.classList.remove("details-open");
  }

  /** Shows f; reloadHistory also fetches its versions afresh. */
  show(f: Feature, reloadHistory = true): void {
    const same = this.currentId === f.id;
    this.currentId = f.id;
    const oldHistory = same && !reloadHistory ? this.root.querySelector("#details-history") : null;
    clear(this.root);
    this.root.hidden = false;
    document.body.classList.add("details-open");
    this.root.append(...this.render(f));
    if (oldHistory) byId("details-history").replaceWith(oldHistory);
    else this.loadHistory(f);
  }

  private party(code: string | undefined): Child {
    if (!code) return "—";
    const p = this.dir.parties.get(code);
    const sw = h("span", { class: "swatch", style: `background:${p?.color ?? "#888"}` });
    return h("span", { class: "party-ref", title: p?.name ?? code }, sw, h("b", null, code), p ? ` ${p.name}` : "");
  }

  private partyShort(code: string): Child {
    const p = this.dir.parties.get(code);
    return h(
      "span",
      { class: "party-ref", title: p ? `${code} — ${p.name}` : code },
      h("span", { class: "swatch", style: `background:${p?.color ?? "#888"}` }),
      h("b", null, code),
    );
  }

  private releaseTo(codes: string[]): Child {
    return h(
      "ul",
      { class: "rel-list" },
      codes.map((c) => {
        if (c === "ALL") return h("li", null, h("b", null, "ALL"), " every mission party");
        if (c === "PUBLIC") return h("li", null, h("b", null, "PUBLIC"), " anyone, outside the mission too");
        const g = this.dir.groups.get(c);
        if (g) return h("li", { title: g.description ?? "" }, h("b", null, c), ` ${g.name} (${g.members.join(", ")})`);
        return h("li", null, this.party(c));
      }),
    );
  }

  private render(f: Feature): Node[] {
    const p = f.properties;
    const banner = p.marking?.banner ?? "";
    const bc = bannerClass(banner);
    const head = h(
      "div",
      { class: `marking-banner ${bc}`, title: BANNER_HINT[bc] },
      h("span", { id: "details-banner" }, banner || "UNMARKED"),
    );
    const close = h("button", { class: "icon-btn", type: "button", title: "Close (Esc)", "aria-label": "Close details", onclick: () => this.onClose() }, "✕");
    let title = p.kind === "sector" ? sectorLabel(f) : p.name;
    if (!title) title = "(unnamed)";
    const icon =
      p.kind === "site" ? h("span", { class: "details-icon" }, svg(siteSymbol(p.site_kind, p.status, 28))) : null;
    const kindText = p.kind === "site" ? `${label(SITE_KIND_LABEL, p.site_kind)} (site)` : KIND_SINGULAR[p.kind] ?? humanize(p.kind);
    const header = h(
      "div",
      { class: "details-head" },
      icon,
      h("div", { class: "details-title" }, h("div", { class: "details-kind" }, kindText), h("h2", { id: "details-name" }, title)),
      close,
    );

    // What the record says.
    const rows: [string, Child][] = [];
    const add = (k: string, v: Child) => rows.push([k, v]);
    if (p.kind === "site") {
      const sc = statusColor(p.status);
      add(
        "Status",
        h("span", { class: "status-pill", style: `background:${sc.bg};color:${sc.fg}` }, label(STATUS_LABEL, p.status)),
      );
      add("Site type", label(SITE_KIND_LABEL, p.site_kind));
      if (p.operator) add("Operator", p.operator);
      if (p.capacity !== undefined && p.capacity !== null)
        add("Capacity", `${number(Number(p.capacity))}${p.capacity_unit ? ` ${p.capacity_unit}` : ""}`);
    }
    if (p.lead_party) add("Lead party", this.party(p.lead_party));
    if (p.controlling_party) add("Controlling party", this.party(p.controlling_party));
    if (p.kind === "control_line") {
      if (p.line) add("Line", humanize(p.line));
      add("Version of the line", label(LINE_VERSION_LABEL, p.line_version));
    }
    if (p.route_class) add("Route class", humanize(p.route_class));
    if (p.admin_code) add("Administrative code", p.admin_code);
    if (p.admin_level !== undefined && p.admin_level !== null)
      add("Administrative level", `${p.admin_level}${p.admin_level === 1 ? " (governorate)" : ""}`);
    // Anything else the server sends that this build does not know yet.
    const known = new Set([
      "kind", "name", "description", "lead_party", "admin_code", "admin_level", "line", "line_version",
      "controlling_party", "route_class", "site_kind", "operator", "status", "capacity", "capacity_unit",
      "valid_from", "valid_to", "marking", "version", "created_at", "updated_at", "updated_by", "updated_by_party",
    ]);
    for (const [k, v] of Object.entries(p)) {
      if (known.has(k) || v === null || v === undefined || v === "") continue;
      add(PROP_LABEL[k] ?? humanize(k), typeof v === "object" ? JSON.stringify(v) : String(v));
    }

    const attrs = h("dl", { class: "kv" }, rows.map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
    const desc = p.description ? h("p", { class: "details-desc" }, p.description) : null;

    // Validity window relative to the chosen time.
    const from = parseTime(p.valid_from);
    const to = parseTime(p.valid_to);
    let validity: Child;
    if (!from && !to) {
      validity = h("p", { class: "muted" }, "No validity window: in force until changed.");
    } else {
      const t = this.asOf();
      let state = "in force";
      let cls = "v-active";
      if (from && t < from) {
        state = `starts in ${duration(from.getTime() - t.getTime())}`;
        cls = "v-future";
      } else if (to && t >= to) {
        state = `ended ${duration(t.getTime() - to.getTime())} before`;
        cls = "v-past";
      } else if (to) {
        state = `in force, ends in ${duration(to.getTime() - t.getTime())}`;
      }
      validity = h(
        "div",
        { class: "validity" },
        h("div", { class: "validity-range" }, h("b", null, from ? zShort(from) : "open start"), " → ", h("b", null, to ? zShort(to) : "open end")),
        h("div", { class: "validity-meta" }, from && to ? `${duration(to.getTime() - from.getTime())} window · ` : "", h("span", { class: `v-state ${cls}` }, `${state} at the chosen time`)),
      );
    }

    const m = p.marking;
    const marking = m
      ? h(
          "dl",
          { class: "kv" },
          h("dt", null, "Owner"),
          h("dd", null, this.party(m.owner)),
          h("dt", null, "Releasable to"),
          h("dd", null, this.releaseTo(m.rel ?? [])),
          m.caveats?.length
            ? [
                h("dt", null, "Caveats"),
                h(
                  "dd",
                  null,
                  m.caveats.map((c) => h("div", null, h("b", null, c), " ", this.dir.caveats.get(c)?.description ?? "")),
                ),
              ]
            : null,
        )
      : h("p", { class: "muted" }, "No marking.");

    const record = h(
      "dl",
      { class: "kv" },
      h("dt", null, "Version"),
      h("dd", null, String(p.version ?? "—")),
      h("dt", null, "Last changed"),
      h(
        "dd",
        null,
        h("div", null, zShort(p.updated_at)),
        p.updated_by || p.updated_by_party
          ? h("div", null, "by ", h("b", null, p.updated_by || "—"), p.updated_by_party ? [" · ", this.partyShort(p.updated_by_party)] : null)
          : null,
      ),
      h("dt", null, "Created"),
      h("dd", null, zShort(p.created_at)),
      h("dt", null, "Record id"),
      h("dd", { class: "mono small" }, f.id),
    );

    const section = (t: string, ...c: Child[]) => h("section", { class: "details-section" }, h("h3", null, t), ...c);
    return [
      head,
      header,
      h(
        "div",
        { class: "details-body" },
        desc,
        section("Attributes", rows.length ? attrs : h("p", { class: "muted" }, "No further attributes.")),
        section("Validity", validity),
        section("Marking", marking),
        section("Record", record),
        section("History", h("ol", { id: "details-history", class: "history", "aria-busy": "true" }, h("li", { class: "muted" }, "Loading history…"))),
      ),
    ];
  }

  /** Re-reads the history of the open record (after a live update). */
  refreshHistory(f: Feature): void {
    if (this.currentId === f.id) this.loadHistory(f);
  }

  private async loadHistory(f: Feature): Promise<void> {
    const seq = ++this.historySeq;
    let versions: HistoryVersion[];
    try {
      versions = (await api.history(f.id)).versions ?? [];
    } catch (err) {
      if (seq !== this.historySeq || this.currentId !== f.id) return;
      const list = document.getElementById("details-history");
      if (list) {
        clear(list);
        list.append(h("li", { class: "error-text" }, `History unavailable: ${(err as ApiError).message}`));
      }
      return;
    }
    if (seq !== this.historySeq || this.currentId !== f.id) return;
    const list = document.getElementById("details-history");
    if (!list) return;
    clear(list);
    list.removeAttribute("aria-busy");
    const sorted = [...versions].sort((a, b) => b.version - a.version);
    const byVersion = new Map(versions.map((v) => [v.version, v]));
    for (const v of sorted) list.append(this.historyItem(v, byVersion.get(v.version - 1)));
    if (!sorted.length) list.append(h("li", { class: "muted" }, "No history recorded."));
  }

  private historyItem(v: HistoryVersion, prev: HistoryVersion | undefined): HTMLElement {
    const changed = v.changed ?? [];
    const diffs: Child[] = [];
    const before = prev?.data?.properties as Record<string, unknown> | undefined;
    const after = v.data?.properties as Record<string, unknown> | undefined;
    for (const k of changed) {
      const name = PROP_LABEL[k] ?? humanize(k);
      const show = (x: unknown): string => {
        if (x === undefined || x === null || x === "") return "—";
        if (k === "status") return label(STATUS_LABEL, String(x));
        if (k === "valid_from" || k === "valid_to") return zShort(String(x));
        if (typeof x === "object") return "…";
        return String(x);
      };
      let detail: Child = null;
      if (after && k === "description") detail = [": ", h("q", null, show(after[k]))];
      else if (before && after && k !== "geometry" && k !== "marking")
        detail = [": ", h("s", null, show(before[k])), " → ", h("b", null, show(after[k]))];
      diffs.push(h("li", null, h("span", { class: "hv-prop" }, name), detail));
    }
    const bc = bannerClass(v.banner ?? "");
    return h(
      "li",
      { class: `history-version verb-${v.verb}`, "data-version": v.version },
      h(
        "div",
        { class: "hv-head" },
        h("span", { class: "hv-ver" }, `v${v.version}`),
        h("span", { class: `hv-verb verb-${v.verb}` }, v.verb),
        h("span", { class: "hv-at", title: v.at }, zShort(v.at)),
      ),
      h("div", { class: "hv-who" }, h("b", null, v.actor || "—"), v.actor_party ? [" · ", this.partyShort(v.actor_party)] : null),
      changed.length ? h("ul", { class: "hv-changed" }, diffs) : h("div", { class: "hv-changed muted" }, v.verb === "created" ? "First version" : "No properties changed"),
      h("div", { class: `hv-banner ${bc}` }, v.banner || "UNMARKED"),
    );
  }
}
