import { useEffect, useState } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import type { List } from "../../lib/api";
import { onLiveEvent } from "../../app/live";
import { campaignKeys, type Campaign, type CampaignStatus, type Stats } from "./api";

interface Progress {
  campaign_id: string;
  status: CampaignStatus;
  /** Why a running campaign waits (messaging_limit, daily_cap), when the event says. */
  status_reason?: string;
  stats: Stats;
}

/** Puts a campaign.progress event into the cached campaign and list, and refreshes what it does not carry. */
export function applyProgress(qc: QueryClient, p: Progress) {
  let statusChanged = false;
  qc.setQueryData<Campaign>(campaignKeys.one(p.campaign_id), (c) => {
    if (!c) return c;
    statusChanged = c.status !== p.status || (p.status_reason !== undefined && p.status_reason !== c.status_reason);
    return { ...c, status: p.status, stats: p.stats };
  });
  qc.setQueryData<List<Campaign>>(campaignKeys.list, (l) =>
    l ? { ...l, data: l.data.map((c) => (c.id === p.campaign_id ? { ...c, status: p.status, stats: p.stats } : c)) } : l,
  );
  // A new status brings a reason and dates the event does not have.
  if (statusChanged) void qc.invalidateQueries({ queryKey: campaignKeys.one(p.campaign_id) });
}

/**
 * Puts campaign.progress events of the app's live feed (app/live.ts, one
 * WebSocket per tab) into the cached campaigns while mounted. Answers
 * whether progress has arrived that way; pages poll slower once it has.
 */
export function useCampaignEvents(): boolean {
  const qc = useQueryClient();
  const [live, setLive] = useState(false);
  useEffect(
    () =>
      onLiveEvent((ev) => {
        if (ev.type !== "campaign.progress" || !ev.data) return;
        applyProgress(qc, ev.data as unknown as Progress);
        setLive(true);
      }),
    [qc],
  );
  return live;
}
