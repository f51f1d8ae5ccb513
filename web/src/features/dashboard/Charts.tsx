// The dashboard's charts, in their own file so that Recharts (its own chunk,
// see vite.config.ts) loads only when the dashboard is opened.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import type { DashboardDay } from "./api";
import { shortDay, trafficRows } from "./logic";

// Greens for what we sent, blues for what customers sent, one shade per channel.
const SENT = ["#16a34a", "#86efac", "#166534", "#4ade80"];
const RECEIVED = ["#2563eb", "#93c5fd", "#1e3a8a", "#60a5fa"];

const tooltipStyle = {
  contentStyle: { background: "var(--card)", border: "1px solid var(--border)", borderRadius: 8, color: "var(--foreground)", fontSize: 13 },
  labelStyle: { color: "var(--foreground)", fontWeight: 600 },
  cursor: { fill: "var(--muted)" },
};

const axis = { stroke: "var(--muted-foreground)", fontSize: 12, tickLine: false };

export function TrafficChart({ days, channels }: { days: DashboardDay[]; channels: string[] }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  const rows = trafficRows(days, channels);
  const channelName = (c: string) => t(`connections.type.${c}`, { defaultValue: t("dashboard.other_channel") });
  const many = channels.length > 1;
  return (
    <ResponsiveContainer width="100%" height={260}>
      <BarChart data={rows} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
        <CartesianGrid vertical={false} stroke="var(--border)" />
        <XAxis dataKey="date" tickFormatter={(d: string) => shortDay(d, i18n.language)} {...axis} minTickGap={12} />
        <YAxis allowDecimals={false} tickFormatter={(v: number) => nf.format(v)} {...axis} width={48} />
        <Tooltip
          {...tooltipStyle}
          labelFormatter={(d) => shortDay(String(d), i18n.language)}
          formatter={(v) => nf.format(Number(v))}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
        {channels.map((c, i) => (
          <Bar
            key={`sent:${c}`}
            dataKey={`sent:${c}`}
            stackId="sent"
            fill={SENT[i % SENT.length]}
            name={many ? `${t("dashboard.chart.sent")} · ${channelName(c)}` : t("dashboard.chart.sent")}
            isAnimationActive={false}
          />
        ))}
        {channels.map((c, i) => (
          <Bar
            key={`received:${c}`}
            dataKey={`received:${c}`}
            stackId="received"
            fill={RECEIVED[i % RECEIVED.length]}
            name={many ? `${t("dashboard.chart.received")} · ${channelName(c)}` : t("dashboard.chart.received")}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

export function OptOutsChart({ days }: { days: DashboardDay[] }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  return (
    <ResponsiveContainer width="100%" height={180}>
      <BarChart data={days} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
        <CartesianGrid vertical={false} stroke="var(--border)" />
        <XAxis dataKey="date" tickFormatter={(d: string) => shortDay(d, i18n.language)} {...axis} minTickGap={12} />
        <YAxis allowDecimals={false} tickFormatter={(v: number) => nf.format(v)} {...axis} width={48} />
        <Tooltip {...tooltipStyle} labelFormatter={(d) => shortDay(String(d), i18n.language)} formatter={(v) => nf.format(Number(v))} />
        <Bar dataKey="opt_outs" name={t("dashboard.chart.opt_outs")} fill="var(--danger)" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
