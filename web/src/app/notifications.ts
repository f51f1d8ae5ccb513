// Desktop notifications and a short sound when a contact writes in a
// conversation assigned to the signed-in agent. The sound is made with
// WebAudio (no file to fetch); the browser only lets it play after the
// user has interacted with the page, which is also when permission for
// notifications is asked (never on load).
import { useEffect, useRef } from "react";
import { useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { onLiveEvent } from "./live";
import { api } from "../lib/api";
import type { Conversation } from "../features/conversations/api";
import { formatPhone } from "../lib/format";

let audio: AudioContext | null = null;

/** Two soft notes, a quarter of a second in all. */
export function beep() {
  const Ctx = typeof window !== "undefined" ? window.AudioContext : undefined;
  if (!Ctx) return;
  // Without a gesture first, Chromium refuses to start audio (and says so in the console).
  const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation;
  if (activation && !activation.hasBeenActive) return;
  try {
    audio ??= new Ctx();
    const ctx = audio;
    const start = ctx.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      const t0 = start + i * 0.12;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.15, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.11);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.12);
    }
  } catch {
    // Sound is a nicety; a browser without it still shows the message.
  }
}

export function notificationsSupported(): boolean {
  return typeof window !== "undefined" && "Notification" in window;
}

/** Asks for permission; call from a click. */
export async function askNotificationPermission(): Promise<NotificationPermission | "unsupported"> {
  if (!notificationsSupported()) return "unsupported";
  if (Notification.permission !== "default") return Notification.permission;
  try {
    return await Notification.requestPermission();
  } catch {
    return "denied";
  }
}

/** Notifies the agent of new messages from contacts in conversations assigned to them. */
export function useInboxNotifications(userId: string) {
  const { t } = useTranslation();
  // Opening the conversation stays inside the app: a page load would drop
  // whatever the agent had on screen and the live feed with it.
  const navigate = useNavigate();
  const go = useRef(navigate);
  useEffect(() => {
    go.current = navigate;
  }, [navigate]);
  useEffect(
    () =>
      onLiveEvent((ev) => {
        const d = ev.data ?? {};
        if (ev.type !== "message.created" || d.direction !== "inbound" || d.assignee_id !== userId) return;
        const id = String(d.conversation_id ?? "");
        if (!id) return;
        const looking = document.visibilityState === "visible" && window.location.pathname === `/inbox/${id}`;
        if (looking) return;
        beep();
        if (!notificationsSupported() || Notification.permission !== "granted") return;
        api
          .get<Conversation>(`/conversations/${encodeURIComponent(id)}`)
          .then((c) => {
            const who = c.contact.name || formatPhone(c.contact.phone);
            const text = c.last_message?.text || t("inbox.notify.new_message");
            const n = new Notification(who, { body: text, tag: `conversation-${id}` });
            n.onclick = () => {
              window.focus();
              n.close();
              void go.current(`/inbox/${id}`);
            };
          })
          .catch(() => {});
      }),
    [userId, t],
  );
}
