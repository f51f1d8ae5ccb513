import * as D from "@radix-ui/react-dialog";
import { X } from "lucide-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** A panel that slides over the right side of the page; the whole screen on a phone. */
export function Sheet({
  open,
  onOpenChange,
  title,
  children,
  testId,
}: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  title: string;
  children: ReactNode;
  testId?: string;
}) {
  const { t } = useTranslation();
  return (
    <D.Root open={open} onOpenChange={onOpenChange}>
      <D.Portal>
        <D.Overlay className="fixed inset-0 z-40 hidden bg-black/40 sm:block" />
        <D.Content
          data-testid={testId}
          className="fixed inset-0 z-40 flex flex-col bg-card shadow-xl focus:outline-none sm:inset-y-0 sm:right-0 sm:left-auto sm:w-[30rem] sm:border-l sm:border-border"
        >
          <div className="flex h-14 shrink-0 items-center gap-2 border-b border-border px-4">
            <D.Title className="flex-1 truncate text-base font-semibold">{title}</D.Title>
            <D.Description className="sr-only">{title}</D.Description>
            <D.Close className="rounded-md p-1.5 text-muted-foreground hover:bg-muted" aria-label={t("common.close")}>
              <X className="h-5 w-5" aria-hidden />
            </D.Close>
          </div>
          <div className="flex-1 overflow-y-auto">{children}</div>
        </D.Content>
      </D.Portal>
    </D.Root>
  );
}
