import { useEffect, useState } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { API_BASE, type List } from "../../lib/api";
import { campaignKeys, type Campaign, type CampaignStatus, type Stats } from "./api";

interface Progress {
  campaign_id: string;
  status: CampaignStatus;
  stats: Stats;
}

/** Puts a campaign.progress event into the cached campaign and list, and refreshes what it does not carry. */
export function applyProgress(qc: QueryClient, p: Progress) {
  let statusChanged = false;
  qc.setQueryData<Campaign>(campaignKeys.one(p.campaign_id), (c) => {
    if (!c) return c;
    statusChanged = c.status !== p.status;
    return { ...c, status: p.status, stats: p.stats };
  });
  qc.setQueryData<List<Campaign>>(campaignKeys.list, (l) =>
    l ? { ...l, data: l.data.map((c) => (c.id === p.campaign_id ? { ...c, status: p.status, stats: p.stats } : c)) } : l,
  );
  // A new status brings a reason and dates the event does not have.
  if (statusChanged) void qc.invalidateQueries({ queryKey: campaignKeys.one(p.campaign_id) });
}

/**
 * Listens to the live feed (/api/v1/events) while mounted and keeps the
 * cached campaigns up to date with campaign.progress events. Answers whether
 * the feed is connected; pages poll slower while it is.
 */
export function useCampaignEvents(): boolean {
  const qc = useQueryClient();
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (typeof WebSocket === "undefined") return;
    let ws: WebSocket | null = null;
    let stopped = false;
    let retry = 0;
    let timer = 0;
    let lastId = 0;
    const connect = () => {
      const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
      const since = lastId ? `?since=${lastId}` : "";
      const sock = new WebSocket(`${proto}//${window.location.host}${API_BASE}/events${since}`);
      ws = sock;
      sock.onopen = () => {
        // Closing a socket that is still connecting makes the browser log an error; close it once open.
        if (stopped) {
          sock.close();
          return;
        }
        retry = 0;
        setLive(true);
      };
      sock.onmessage = (m) => {
        let ev: { id?: number; type?: string; data?: unknown };
        try {
          ev = JSON.parse(String(m.data));
        } catch {
          return;
        }
        if (typeof ev.id === "number" && ev.id > 0) lastId = ev.id;
        if (ev.type === "campaign.progress" && ev.data) applyProgress(qc, ev.data as Progress);
        if (ev.type === "resync") void qc.invalidateQueries({ queryKey: campaignKeys.all });
      };
      sock.onclose = () => {
        setLive(false);
        if (stopped) return;
        retry = Math.min(retry + 1, 6);
        timer = window.setTimeout(connect, 1000 * 2 ** (retry - 1));
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      if (ws && ws.readyState === WebSocket.OPEN) ws.close();
    };
  }, [qc]);
  return live;
}
