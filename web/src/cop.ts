// The live common operating picture in the Map view: tracks from the live
// track stream, their panel and filters, the alert feed with its cues, and
// the wall display mode. The app creates one per login and destroys it on
// logout, so nothing seen under one login survives into the next.

import "./tracks.css";

import * as L from "leaflet";
import { api, type ApiError, type Session, type StreamEvent } from "./api";
import { AlertFeed } from "./alerts";
import { copApi, type Alert, type Track } from "./copapi";
import { AlertSound } from "./cue";
import type { Directory } from "./details";
import type { StreamState } from "./live";
import type { MissionMap } from "./map";
import { rolesOf } from "./mvctx";
import { TrackFilterUI } from "./trackfilter";
import { TrackPanel } from "./trackpanel";
import { TrackLayer } from "./tracks";
import { TrackStream } from "./trackstream";
import { WallMode, wallRequested, wallURL } from "./wall";

declare global {
  interface Window {
    /** Inspection hooks for the browser tests. */
    concordCop?: {
      /** Every track held, at the position its symbol is drawn. */
      tracks(): { uid: string; callsign: string; lat: number; lon: number; stale: boolean; shown: boolean; owner: string }[];
      alerts(): number;
      cues(): { cues: number; sounds: number; audio: string };
      streamState(): string;
      mapPoint(lat: number, lon: number): { x: number; y: number };
      /** Centres the map (screenshots of a part of the picture). */
      view(lat: number, lon: number, zoom: number): void;
      /** Whether the map has stood still for a moment (no pan or zoom running). */
      settled(): boolean;
    };
  }
}

export interface LiveHost {
  session: Session;
  dir: Directory;
  mm: MissionMap;
  /** The layer panel: the tracks block goes at its end, the alerts after it. */
  layersPanel: HTMLElement;
  /** Where the track panel goes (beside the map, like feature details). */
  stageBody: HTMLElement;
  closeFeatureDetails(): void;
  openMovement(id: string): void;
  notice(text: string, kind?: "error" | "info"): void;
  checkSession(): Promise<boolean>;
}

export class LivePicture {
  private tracks: TrackLayer;
  private stream: TrackStream;
  private panel: TrackPanel;
  private filters: TrackFilterUI;
  private alerts: AlertFeed;
  private sound = new AlertSound();
  private wall: WallMode | null = null;
  private timers: number[] = [];
  private trailSeq = 0;
  private following = false;
  private streamState: StreamState = "connecting";
  private pulse = L.layerGroup();
  private wallBtn: L.Control | null = null;
  private moving = false;
  private movedAt = 0;

  constructor(private host: LiveHost) {
    const wall = wallRequested();
    const map = host.mm.map;
    this.tracks = new TrackLayer(map, { big: wall });
    this.tracks.onSelect = (uid) => {
      if (!this.wall) this.select(uid);
    };
    this.tracks.onChange = () => this.tracksChanged();

    this.alerts = new AlertFeed({
      canAck: rolesOf(host.session).canWrite && !wall,
      sound: this.sound,
      onPick: (a) => this.pickAlert(a),
      onChange: () => {
        this.wall?.renderTicker();
        const uid = this.panel.current;
        const t = uid ? this.tracks.get(uid) : undefined;
        if (t && !this.panel.el.contains(document.activeElement)) this.panel.show(t);
      },
    });
    host.layersPanel.after(this.alerts.panel);
    this.filters = new TrackFilterUI(this.tracks, host.dir);
    host.layersPanel.append(this.filters.el);

    this.panel = new TrackPanel({
      dir: host.dir,
      localTime: (t) => this.tracks.localTime(t),
      isStale: (uid) => this.tracks.isStale(uid),
      alertsFor: (uid) => this.alerts.forTrack(uid),
      onClose: () => this.select(null),
      onTrail: () => void this.loadTrail(),
      onCentre: () => {
        const uid = this.panel.current;
        if (uid) {
          const ll = this.tracks.position(uid);
          if (ll) map.setView(ll, Math.max(map.getZoom(), 13));
          this.tracks.reveal(uid, false);
        }
      },
      onFollow: (on) => {
        this.following = on;
        const uid = this.panel.current;
        const ll = uid ? this.tracks.position(uid) : null;
        if (on && ll) map.panTo(ll);
      },
      onAlert: (a) => this.pickAlert(a),
      openMovement: (id) => host.openMovement(id),
    });
    host.stageBody.append(this.panel.el);
    this.pulse.addTo(map);

    this.stream = new TrackStream({
      snapshot: (ts) => this.onTracks(ts, true),
      update: (ts) => this.onTracks(ts, false),
      withdrawn: (uids) => this.onWithdrawn(uids),
      state: (s) => {
        this.streamState = s;
        this.wall?.setState("tracks", s);
        document.body.dataset.trackStream = s;
      },
      checkSession: () => host.checkSession(),
    });

    if (wall) this.wall = new WallMode(host.mm, this.tracks, this.alerts, host.session.party);
    else this.addWallButton(map);

    this.timers.push(
      window.setInterval(() => this.panel.tick(), 1000),
      window.setInterval(() => this.tracks.tick(), 2000),
      window.setInterval(() => this.alerts.tick(), 15000),
    );
    window.concordCop = {
      tracks: () =>
        this.tracks.all().map((t) => {
          const at = this.tracks.position(t.uid);
          return { uid: t.uid, callsign: t.callsign, lat: at?.lat ?? NaN, lon: at?.lng ?? NaN, stale: this.tracks.isStale(t.uid), shown: this.tracks.isShown(t.uid), owner: t.marking?.owner ?? "" };
        }),
      alerts: () => this.alerts.size,
      cues: () => ({ cues: this.alerts.cues, sounds: this.sound.played, audio: this.sound.state }),
      streamState: () => this.streamState,
      mapPoint: (lat, lon) => {
        const p = map.latLngToContainerPoint([lat, lon]);
        const r = map.getContainer().getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      },
      view: (lat, lon, zoom) => map.setView([lat, lon], zoom, { animate: false }),
      settled: () => !this.moving && Date.now() - this.movedAt > 400,
    };
    map.on("movestart zoomstart", () => (this.moving = true));
    map.on("moveend zoomend", () => {
      this.moving = false;
      this.movedAt = Date.now();
    });
    this.stream.start();
    void this.alerts.load();
  }

  destroy(): void {
    this.stream.stop();
    for (const t of this.timers) window.clearInterval(t);
    this.wall?.destroy();
    this.wallBtn?.remove();
    this.alerts.destroy();
    this.sound.destroy();
    this.tracks.destroy();
    this.panel.close();
    this.pulse.remove();
    delete window.concordCop;
  }

  /** The main live stream changed state (the wall shows both). */
  setEventsState(s: StreamState): void {
    this.wall?.setState("events", s);
  }

  /** An alert.* event from the main live stream. */
  onAlertEvent(type: string, ev: StreamEvent<unknown>): void {
    this.alerts.onEvent(type, ev);
  }

  /** The main stream could not replay what was missed: reload. */
  reload(): void {
    void this.alerts.load();
  }

  /** Closes the track panel (a map feature was selected instead). */
  closePanel(): void {
    if (this.panel.current) this.select(null, false);
  }

  /** Escape: closes the track panel; true when it did. */
  escape(): boolean {
    if (!this.panel.current) return false;
    this.select(null);
    return true;
  }

  setView(v: string): void {
    if (v !== "map") this.closePanel();
  }

  // ------------------------------------------------------------ tracks

  private onTracks(ts: Track[], snapshot: boolean): void {
    if (snapshot) this.tracks.snapshot(ts);
    else this.tracks.update(ts);
    document.body.dataset.tracks = String(this.tracks.all().length);
    const uid = this.panel.current;
    if (!uid) return;
    const t = this.tracks.get(uid);
    if (!t) return;
    if (ts.some((x) => x.uid === uid)) {
      if (!this.panel.el.contains(document.activeElement)) this.panel.show(t);
      if (this.following) this.host.mm.map.panTo(L.latLng(t.lat, t.lon), { animate: true });
    }
    if (snapshot) void this.loadTrail();
  }

  private onWithdrawn(uids: string[]): void {
    const sel = this.panel.current;
    this.tracks.withdraw(uids);
    if (sel && uids.includes(sel)) {
      this.select(null, false);
      this.host.notice("The selected track was withdrawn from your view.", "info");
    }
  }

  private tracksChanged(): void {
    this.filters.update();
    this.wall?.tracksChanged();
  }

  private select(uid: string | null, closeOthers = true): void {
    this.tracks.select(uid);
    this.following = false;
    if (!uid) {
      this.panel.close();
      return;
    }
    const t = this.tracks.get(uid);
    if (!t) {
      this.panel.close();
      return;
    }
    if (closeOthers) this.host.closeFeatureDetails();
    this.panel.show(t);
    void this.loadTrail();
    if (t.movement_id) void this.loadRoute(uid, t.movement_id);
  }

  /** Shows the approved route of a convoy vehicle's movement, if the viewer may see it. */
  private async loadRoute(uid: string, movementID: string): Promise<void> {
    try {
      const m = await api.movement(movementID);
      if (this.panel.current !== uid) return;
      this.tracks.showRoute(uid, m.route?.coordinates ?? []);
      this.panel.routeInfo(`The approved route of movement ${m.reference} is drawn dashed.`);
    } catch {
      // Not visible to this party, or gone: the trail alone is shown.
    }
  }

  private async loadTrail(): Promise<void> {
    const uid = this.panel.current;
    const seq = ++this.trailSeq;
    this.tracks.clearTrail();
    if (!uid) return;
    const mins = this.panel.trailMinutes;
    if (!mins) {
      this.panel.trailInfo("No trail shown.");
      return;
    }
    const to = new Date(Date.now() + this.tracks.clockOffset + 60_000);
    const from = new Date(to.getTime() - 60_000 - mins * 60_000);
    try {
      const r = await copApi.history(uid, from, to, 5000);
      if (seq !== this.trailSeq || this.panel.current !== uid) return;
      const pts = r.points ?? [];
      this.tracks.showTrail(uid, pts);
      this.panel.trailInfo(pts.length ? `${pts.length} report${pts.length === 1 ? "" : "s"} in the last ${mins} min` : `No reports in the last ${mins} min.`);
    } catch (e) {
      if (seq !== this.trailSeq) return;
      this.panel.trailInfo(`Trail unavailable: ${(e as ApiError).message}`);
    }
  }

  // ------------------------------------------------------------ alerts

  /** Shows where an alert happened and selects its track if it is on the map. */
  private pickAlert(a: Alert): void {
    const map = this.host.mm.map;
    const at = L.latLng(a.lat, a.lon);
    this.pulse.clearLayers();
    const ring = L.circleMarker(at, { radius: 18, className: `alert-pulse al-${a.severity}`, interactive: false, pane: "cc-track-trail" });
    this.pulse.addLayer(ring);
    window.setTimeout(() => this.pulse.removeLayer(ring), 6000);
    // One move, not animated: the alert's place at a zoom where tracks
    // stand apart, then (if still clustered) the cluster opened.
    map.setView(at, Math.max(map.getZoom(), 14), { animate: false });
    if (this.tracks.get(a.track_uid)) {
      this.select(a.track_uid);
      requestAnimationFrame(() => this.tracks.reveal(a.track_uid, false));
    } else {
      this.host.notice(`${a.callsign || a.track_uid} is no longer on your map; the ring shows where the alert was raised.`, "info");
    }
  }

  private addWallButton(map: L.Map): void {
    const Ctl = L.Control.extend({
      onAdd: () => {
        const b = L.DomUtil.create("button", "wall-btn") as HTMLButtonElement;
        b.type = "button";
        b.id = "wall-open";
        b.title = "Big-screen mode for the wall display: no controls, large labels, alert ticker (Esc leaves it)";
        b.textContent = "Wall display";
        L.DomEvent.disableClickPropagation(b);
        b.addEventListener("click", () => location.assign(wallURL(true)));
        return b;
      },
    });
    this.wallBtn = new Ctl({ position: "topleft" });
    this.wallBtn.addTo(map);
  }
}
