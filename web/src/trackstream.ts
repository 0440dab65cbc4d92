// The live track stream (/api/tracks/live, Server-Sent Events): a snapshot
// of every track the viewer may see on each (re)connection, then coalesced
// updates and withdrawals. It reconnects on its own, forever, with backoff
// when the server refuses it (and asks whether the session is still there).

import type { Track } from "./copapi";
import type { StreamState } from "./live";

export interface TrackStreamHandlers {
  snapshot(tracks: Track[]): void;
  update(tracks: Track[]): void;
  withdrawn(uids: string[]): void;
  state(s: StreamState): void;
  /** Resolves false when the session is gone (the stream then stops). */
  checkSession(): Promise<boolean>;
}

export class TrackStream {
  private es: EventSource | null = null;
  private timer = 0;
  private delay = 2000;
  private stopped = true;

  constructor(private on: TrackStreamHandlers) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.es?.close();
    this.es = null;
  }

  private open(): void {
    if (this.stopped) return;
    const es = new EventSource("/api/tracks/live", { withCredentials: true });
    this.es = es;
    this.on.state("connecting");
    const parse = <T>(e: MessageEvent): T | null => {
      try {
        return JSON.parse(e.data) as T;
      } catch {
        console.warn("unreadable track stream event");
        return null;
      }
    };
    es.addEventListener("tracks.snapshot", ((e: MessageEvent) => {
      this.delay = 2000;
      this.on.state("live");
      this.on.snapshot(parse<{ tracks: Track[] | null }>(e)?.tracks ?? []);
    }) as EventListener);
    es.addEventListener("tracks.update", ((e: MessageEvent) => {
      const ts = parse<{ tracks: Track[] | null }>(e)?.tracks;
      if (ts?.length) this.on.update(ts);
    }) as EventListener);
    es.addEventListener("tracks.withdrawn", ((e: MessageEvent) => {
      const uids = parse<{ uids: string[] | null }>(e)?.uids;
      if (uids?.length) this.on.withdrawn(uids);
    }) as EventListener);
    es.onerror = () => {
      if (this.stopped) return;
      this.on.state("reconnecting");
      if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      // Refused (e.g. 401 or 503): find out why before trying again.
      es.close();
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(async () => {
        if (this.stopped) return;
        const ok = await this.on.checkSession().catch(() => true);
        if (ok) this.open();
      }, this.delay);
      this.delay = Math.min(this.delay * 2, 30000);
    };
  }
}
