// The live feed: one WebSocket to /api/v1/events per tab. Events only
// invalidate the queries they concern (the pages refetch what they show);
// a lost connection comes back with ?since=<last id>, and a "resync" from
// the server reloads everything.
import { useEffect } from "react";
import { useQueryClient, type QueryClient, type QueryKey } from "@tanstack/react-query";

export interface LiveEvent {
  id?: number;
  type: string;
  data?: Record<string, unknown>;
}

type Listener = (ev: LiveEvent) => void;
const listeners = new Set<Listener>();

/** Runs fn for every live event until the returned function is called. */
export function onLiveEvent(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The query keys (prefixes) an event makes stale; "all" for a resync. */
export function keysFor(ev: LiveEvent): QueryKey[] | "all" {
  const d = ev.data ?? {};
  const conv = typeof d.conversation_id === "string" ? d.conversation_id : "";
  switch (ev.type) {
    case "resync":
      return "all";
    case "message.created":
    case "message.status":
    case "message.updated":
      return conv ? [["messages", conv], ["conversation", conv], ["conversations"]] : [["messages"], ["conversations"]];
    case "conversation.created":
    case "conversation.updated":
    case "conversation.assigned":
      // The timeline's system lines come as message.created of their own.
      return conv ? [["conversation", conv], ["conversations"]] : [["conversations"]];
    case "contact.created":
    case "contact.updated":
    case "contact.deleted":
    case "contact.consent":
      return [["contacts"], ["conversations"], ["conversation"]];
    case "member.availability":
      return [["members"], ["teams"], ["me"]];
    case "import.progress":
      return [["imports"], ["contacts"]];
    case "connection.status":
      return [["connections"]];
    case "template.status":
      return [["templates"]];
    default:
      return [];
  }
}

/** Seconds to wait before the nth reconnection: 1, 2, 4, 8, 15, 15… */
export function backoffMs(attempt: number): number {
  return Math.min(15_000, 1000 * 2 ** Math.max(0, attempt));
}

/**
 * Makes the event's queries stale. A query still on its first load is not
 * restarted by TanStack Query but joined, and that load may have read the
 * database just before the change (a message arriving as its conversation
 * opens): such a query is loaded once more when the first load ends.
 */
export function applyEvent(qc: QueryClient, ev: LiveEvent) {
  const keys = keysFor(ev);
  const filters = keys === "all" ? [{}] : keys.map((k) => ({ queryKey: k }));
  for (const f of filters) {
    const firstLoads = qc
      .getQueryCache()
      .findAll({ ...f, fetchStatus: "fetching" })
      .filter((q) => q.state.data === undefined && q.promise);
    void qc.invalidateQueries(f);
    for (const q of firstLoads) {
      void q.promise!.catch(() => undefined).then(() => qc.invalidateQueries({ queryKey: q.queryKey, exact: true }));
    }
  }
}

/** Keeps the live feed open while the signed-in app is on screen. */
export function useLiveEvents(companyId: string) {
  const qc = useQueryClient();
  useEffect(() => {
    if (typeof WebSocket === "undefined") return;
    let ws: WebSocket | null = null;
    let last = 0;
    let attempt = 0;
    let timer = 0;
    let stopped = false;
    const connect = () => {
      const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
      const since = last ? `?since=${last}` : "";
      ws = new WebSocket(`${proto}//${window.location.host}/api/v1/events${since}`);
      ws.onopen = () => {
        // Anything that happened while we were away is fetched again.
        if (attempt > 0) applyEvent(qc, { type: "resync" });
        attempt = 0;
      };
      ws.onmessage = (e) => {
        let ev: LiveEvent;
        try {
          ev = JSON.parse(String(e.data)) as LiveEvent;
        } catch {
          return;
        }
        if (typeof ev.id === "number" && ev.id > last) last = ev.id;
        applyEvent(qc, ev);
        for (const fn of listeners) fn(ev);
      };
      ws.onclose = () => {
        ws = null;
        if (stopped) return;
        timer = window.setTimeout(connect, backoffMs(attempt++));
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      if (ws) {
        ws.onclose = null;
        ws.onmessage = null;
        // Closing while still connecting makes Chromium log an error; wait for the open instead.
        if (ws.readyState === WebSocket.CONNECTING) {
          const w = ws;
          w.onopen = () => w.close();
        } else ws.close();
      }
    };
  }, [qc, companyId]);
}
