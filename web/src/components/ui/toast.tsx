import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { X } from "lucide-react";
import { useTranslation } from "react-i18next";
import { cn } from "../../lib/cn";

type Tone = "success" | "error";
interface Toast {
  id: number;
  tone: Tone;
  text: string;
}

type Notify = (text: string, tone?: Tone) => void;
const ToastContext = createContext<Notify>(() => {});

let external: Notify = () => {};
/** Shows a toast from outside React (the QueryClient's error policy). */
export function notify(text: string, tone: Tone = "error") {
  external(text, tone);
}

export function Toaster({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((x) => x.id !== id)), []);
  const push = useCallback<Notify>(
    (text, tone = "success") => {
      const id = next.current++;
      setToasts((ts) => [...ts.filter((x) => x.text !== text), { id, tone, text }].slice(-3));
      window.setTimeout(() => dismiss(id), 5000);
    },
    [dismiss],
  );
  external = push;
  const value = useMemo(() => push, [push]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div aria-live="polite" className="fixed right-4 bottom-4 left-4 z-[60] flex flex-col items-end gap-2 sm:left-auto">
        {toasts.map((x) => (
          <div
            key={x.id}
            role={x.tone === "error" ? "alert" : "status"}
            className={cn(
              "flex w-full max-w-sm items-start gap-3 rounded-md border p-3 text-sm shadow-lg",
              x.tone === "error" ? "border-danger/40 bg-danger-soft text-danger" : "border-border bg-card text-foreground",
            )}
          >
            <span className="flex-1">{x.text}</span>
            <button
              type="button"
              onClick={() => dismiss(x.id)}
              className="rounded p-0.5 text-muted-foreground hover:bg-muted"
              aria-label={t("common.close")}
            >
              <X className="h-4 w-4" aria-hidden />
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Notify {
  return useContext(ToastContext);
}
