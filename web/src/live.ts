// The live stream (Server-Sent Events) and the "Live" feed.

import type { StreamEvent } from "./api";
import { clear, h } from "./dom";
import { zClock } from "./format";

export type StreamState = "connecting" | "live" | "reconnecting";

const FEATURE_EVENTS = ["feature.created", "feature.updated", "feature.deleted", "feature.withdrawn"];
/** Movement workflow verbs (the event is "movement.<verb>"). */
export const MOVEMENT_VERBS = [
  "created", "updated", "transmitted", "acknowledged",
  "facilitated", "partially_facilitated", "impeded", "denied", "postponed",
  "in_progress", "completed", "cancelled", "withdrawn",
];
const MOVEMENT_EVENTS = [
  ...MOVEMENT_VERBS.map((v) => `movement.${v}`),
  "relay.requested", "relay.withdrawn",
  "site_notification.created", "site_notification.updated", "site_notification.reconfirmed",
  "site_notification.withdrawn", "site_notification.expired",
];
/** Force-generation changes: the board reloads on any of them. */
const FORCEGEN_EVENTS = ["fg_requirement", "fg_pledge", "fg_pledge_caveats", "fg_assignment", "fg_assignment_audit", "fg_conditions"].flatMap((k) => [
  `${k}.created`,
  `${k}.updated`,
]);
/** Aid pipeline changes: the aid view and its map layer reload on them. */
const AID_EVENTS = ["consignment.created", "consignment.staged", "crossing_ops.updated"];
const OTHER_EVENTS = [
  "stream.reset",
  "alert.created", "alert.acknowledged", "alert.escalated", "alert.withdrawn",
  "party.created", "party.updated", "party.deleted",
  "group.created", "group.updated", "group.deleted",
  "user.created", "user.updated", "user.deleted",
];

export class LiveStream {
  private es: EventSource | null = null;
  private lastId = "";
  private retryTimer = 0;
  private retryDelay = 2000;
  private stopped = false;

  constructor(
    private onEvent: (type: string, ev: StreamEvent<unknown>) => void,
    private onState: (s: StreamState) => void,
    /** Called when the stream failed for good; resolves false when the session is gone. */
    private checkSession: () => Promise<boolean>,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.es?.close();
    this.es = null;
  }

  private open(): void {
    if (this.stopped) return;
    // The browser resends Last-Event-ID on its own reconnects; a fresh
    // EventSource (after a hard failure) passes it in the query instead.
    const url = this.lastId ? `/api/stream?last_event_id=${encodeURIComponent(this.lastId)}` : "/api/stream";
    const es = new EventSource(url, { withCredentials: true });
    this.es = es;
    this.onState(this.lastId ? "reconnecting" : "connecting");
    es.onopen = () => {
      this.retryDelay = 2000;
      this.onState("live");
    };
    es.onerror = () => {
      if (this.stopped) return;
      if (es.readyState === EventSource.CLOSED) {
        // The server refused the stream (e.g. the session ended): find out
        // why before trying again.
        this.onState("reconnecting");
        es.close();
        window.clearTimeout(this.retryTimer);
        this.retryTimer = window.setTimeout(async () => {
          if (this.stopped) return;
          const ok = await this.checkSession().catch(() => true);
          if (ok) this.open();
        }, this.retryDelay);
        this.retryDelay = Math.min(this.retryDelay * 2, 30000);
      } else {
        this.onState("reconnecting");
      }
    };
    const handle = (type: string) => (e: MessageEvent) => {
      if (e.lastEventId) this.lastId = e.lastEventId;
      let ev: StreamEvent<unknown>;
      try {
        ev = JSON.parse(e.data);
      } catch {
        console.warn("unreadable stream event", type);
        return;
      }
      this.onEvent(type, ev);
    };
    for (const t of FEATURE_EVENTS) es.addEventListener(t, handle(t) as EventListener);
    for (const t of OTHER_EVENTS) es.addEventListener(t, handle(t) as EventListener);
    for (const t of MOVEMENT_EVENTS) es.addEventListener(t, handle(t) as EventListener);
    for (const t of FORCEGEN_EVENTS) es.addEventListener(t, handle(t) as EventListener);
    for (const t of AID_EVENTS) es.addEventListener(t, handle(t) as EventListener);
  }
}

export interface FeedItem {
  at: string;
  party: string;
  partyColor: string;
  verb: string;
  name: string;
  id: string;
  /** What the line refers to: a map feature (default) or a movement. */
  ref?: "feature" | "movement" | "notification" | "relay";
}

/** The small "Live" list: newest first, a bounded number of lines. */
export class LiveFeed {
  private items: HTMLElement[] = [];
  constructor(
    private list: HTMLElement,
    private onPick: (id: string, ref: string) => void,
    private max = 60,
  ) {
    clear(list);
    list.append(h("li", { class: "live-empty muted" }, "Changes will appear here as they happen."));
  }

  add(it: FeedItem): void {
    const empty = this.list.querySelector(".live-empty");
    if (empty) empty.remove();
    const ref = it.ref ?? "feature";
    const li = h(
      "li",
      {
        class: `live-item verb-${it.verb} ref-${ref}`,
        "data-feature-id": ref === "feature" ? it.id : null,
        "data-movement-id": ref === "movement" || ref === "relay" ? it.id : null,
        "data-notification-id": ref === "notification" ? it.id : null,
        title: `${it.verb.replace(/_/g, " ")} by ${it.party || "—"} at ${it.at}`,
      },
      h("span", { class: "li-time" }, zClock(it.at)),
      h("span", { class: "li-party", style: `border-color:${it.partyColor}` }, it.party || "—"),
      h("span", { class: `li-verb verb-${it.verb}` }, it.verb.replace(/_/g, " ")),
      h("span", { class: "li-name" }, ref !== "feature" ? h("span", { class: `li-ref li-ref-${ref}` }, ref === "notification" ? "site" : ref === "relay" ? "relayed" : "movement") : null, it.name),
    );
    li.addEventListener("click", () => this.onPick(it.id, ref));
    this.list.prepend(li);
    this.items.unshift(li);
    while (this.items.length > this.max) this.items.pop()?.remove();
  }
}
