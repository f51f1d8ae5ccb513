import type { ReactNode } from "react";
import { AlertCircle, Info } from "lucide-react";
import { cn } from "../../lib/cn";

type Tone = "info" | "danger" | "warning";
const tones: Record<Tone, string> = {
  info: "border-border bg-muted text-foreground",
  danger: "border-danger/40 bg-danger-soft text-danger",
  warning: "border-warning-foreground/30 bg-warning-soft text-warning-foreground",
};

export function Alert({ tone = "info", children, className }: { tone?: Tone; children: ReactNode; className?: string }) {
  const Icon = tone === "info" ? Info : AlertCircle;
  return (
    <div role={tone === "danger" ? "alert" : "status"} className={cn("flex gap-3 rounded-md border p-3 text-sm", tones[tone], className)}>
      <Icon className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
      <div className="flex-1">{children}</div>
    </div>
  );
}
