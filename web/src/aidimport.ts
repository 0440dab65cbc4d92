// The import panel of the "Aid pipeline" view: a consignment or stage-event
// CSV (HXL-tagged or with named columns) sent to the server as it is. The
// server checks every row; all or nothing unless the viewer asks for the
// valid rows only, and every problem comes back with its line and column.

import type { ApiError, FieldError } from "./api";
import { aidApi, type ImportResult } from "./aidapi";
import { num } from "./aidfmt";
import { clear, h } from "./dom";

/** The server's limit on an import's body (httpapi.MaxImportBytes). */
const MAX_BYTES = 64 << 20;
/** Problems listed; the rest are counted. */
const SHOWN = 200;

export interface ImportHost {
  /** After rows were imported (the dashboard and list reload). */
  onImported: () => void;
  onClose: () => void;
}

export class ImportPanel {
  readonly el: HTMLElement;
  private fileIn: HTMLInputElement;
  private validOnly: HTMLInputElement;
  private go: HTMLButtonElement;
  private result: HTMLElement;

  constructor(private host: ImportHost) {
    this.fileIn = h("input", { id: "aid-import-file", type: "file", accept: ".csv,text/csv" });
    this.validOnly = h("input", { id: "aid-import-valid-only", type: "checkbox" });
    this.go = h("button", { id: "aid-import-go", type: "submit", class: "btn btn-small btn-primary", disabled: true }, "Import");
    this.result = h("div", { id: "aid-import-result", class: "aid-import-result", role: "status", "aria-live": "polite" });
    this.fileIn.addEventListener("change", () => {
      this.go.disabled = !this.fileIn.files?.length;
      clear(this.result);
    });
    const close = h("button", { id: "aid-import-close", type: "button", class: "btn btn-small", title: "Back to the consignment list (Esc)" }, "← Consignments");
    close.addEventListener("click", () => this.host.onClose());
    const form = h(
      "form",
      { id: "aid-import-form", class: "aid-import-form" },
      h("label", { class: "aid-import-field", for: "aid-import-file" }, h("span", null, "CSV file"), this.fileIn),
      h("label", { class: "aid-import-check" }, this.validOnly, " Import the valid rows and skip the others"),
      this.go,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.send();
    });
    this.el = h(
      "section",
      { id: "aid-import", class: "aid-panel aid-import", "aria-label": "Import consignments or stage events", hidden: true },
      h("div", { class: "aid-panel-head" }, close, h("h2", null, "Import HXL CSV")),
      h(
        "div",
        { class: "aid-pad" },
        h(
          "p",
          { class: "muted" },
          "Consignments, or stage events of consignments already registered: the columns tell which (HXL hashtags such as #org+prog, #loc+crossing+name and #status+stage, or the names of an export). ",
          "Every row is checked first; unless you choose otherwise, one bad row imports nothing. Importing a file again creates no duplicates.",
        ),
        form,
        this.result,
      ),
    );
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  show(): void {
    this.el.hidden = false;
    this.fileIn.focus();
  }

  hide(): void {
    this.el.hidden = true;
  }

  private async send(): Promise<void> {
    const file = this.fileIn.files?.[0];
    if (!file) return;
    clear(this.result);
    if (file.size > MAX_BYTES) {
      this.result.append(h("p", { class: "aid-import-failed" }, `${file.name} is ${num(file.size / (1 << 20))} MiB; an import takes at most 64 MiB. Split the file.`));
      return;
    }
    this.go.disabled = true;
    this.result.append(h("p", { class: "muted" }, `Importing ${file.name}…`));
    try {
      const res = await aidApi.importCSV(file, this.validOnly.checked);
      clear(this.result);
      this.result.append(summary(file.name, res), problems((res.errors ?? []).map((e) => ({ field: `line ${e.line}${e.column ? `, column ${e.column}` : ""}`, reason: e.reason }))));
      if (res.consignments_created + res.events_recorded > 0) this.host.onImported();
    } catch (e) {
      const err = e as ApiError;
      clear(this.result);
      this.result.append(h("p", { class: "aid-import-failed" }, err.message), problems(err.fields ?? []));
    } finally {
      this.go.disabled = !this.fileIn.files?.length;
    }
  }
}

function summary(name: string, r: ImportResult): HTMLElement {
  const made = r.kind === "consignments" ? `${num(r.consignments_created)} consignments registered` : `${num(r.events_recorded)} stage events recorded`;
  const parts = [`${name}: ${num(r.rows)} rows, ${made}`];
  if (r.skipped_duplicates) parts.push(`${num(r.skipped_duplicates)} already there, skipped`);
  if (r.rows_rejected) parts.push(`${num(r.rows_rejected)} invalid rows skipped`);
  const ignored = r.ignored_columns?.length ? h("p", { class: "muted" }, `Columns not used: ${r.ignored_columns.join(", ")}`) : null;
  return h("div", { class: "aid-import-done", "data-kind": r.kind }, h("p", null, `${parts.join("; ")}.`), ignored);
}

/** The rows' problems, as the server gave them (empty when none). */
function problems(fs: FieldError[]): HTMLElement {
  if (!fs.length) return h("div", null);
  return h(
    "div",
    { class: "aid-import-problems" },
    h(
      "table",
      { id: "aid-import-errors", class: "aid-table" },
      h("thead", null, h("tr", null, h("th", null, "Where"), h("th", null, "Problem"))),
      h(
        "tbody",
        null,
        fs.slice(0, SHOWN).map((f) => h("tr", null, h("td", { class: "aid-import-where" }, f.field), h("td", null, f.reason))),
      ),
    ),
    fs.length > SHOWN ? h("p", { class: "muted" }, `… and ${num(fs.length - SHOWN)} more`) : null,
  );
}
