import { useTranslation } from "react-i18next";
import { Copy, ExternalLink, FileText, Image as ImageIcon, Phone, Reply, Video } from "lucide-react";
import { fill, type Draft } from "./components";

/** Renders WhatsApp's *bold*, _italic_ and ~strike~ as the phone would. */
export function Formatted({ text }: { text: string }) {
  const parts = text.split(/(\*[^*\n]+\*|_[^_\n]+_|~[^~\n]+~)/g);
  return (
    <>
      {parts.map((p, i) => {
        if (/^\*[^*]+\*$/.test(p)) return <strong key={i}>{p.slice(1, -1)}</strong>;
        if (/^_[^_]+_$/.test(p)) return <em key={i}>{p.slice(1, -1)}</em>;
        if (/^~[^~]+~$/.test(p)) return <s key={i}>{p.slice(1, -1)}</s>;
        return <span key={i}>{p}</span>;
      })}
    </>
  );
}

/** The template as the customer will see it, with the example values in place. */
export function TemplatePreview({ d, mediaName, mediaUrl }: { d: Draft; mediaName?: string; mediaUrl?: string }) {
  const { t } = useTranslation();
  const headerVars = d.headerText.match(/\{\{\s*([^{}\s]*)\s*\}\}/)?.[1];
  const MediaIcon = d.headerFormat === "IMAGE" ? ImageIcon : d.headerFormat === "VIDEO" ? Video : FileText;
  const buttonIcon = { QUICK_REPLY: Reply, URL: ExternalLink, PHONE_NUMBER: Phone, COPY_CODE: Copy } as const;
  return (
    <div className="rounded-lg bg-chat p-4" data-testid="template-preview">
      <p className="mb-2 text-center text-xs text-muted-foreground">{t("templates.preview")}</p>
      <div className="max-w-xs">
        <div className="flex flex-col gap-1 rounded-lg rounded-tl-none bg-bubble-in p-2 text-sm text-foreground shadow-sm">
          {d.headerFormat === "TEXT" && d.headerText && (
            <p className="font-semibold break-words">{fill(d.headerText, headerVars ? { [headerVars]: d.headerExample } : {})}</p>
          )}
          {d.headerFormat === "IMAGE" && mediaUrl ? (
            // The picture chosen for this send (a local blob: URL), as the customer will see it.
            <img src={mediaUrl} alt={mediaName ?? ""} className="max-h-40 w-full rounded-md bg-black/10 object-cover" data-testid="preview-header-image" />
          ) : null}
          {d.headerFormat !== "NONE" && d.headerFormat !== "TEXT" && !(d.headerFormat === "IMAGE" && mediaUrl) && (
            <div className="flex h-32 flex-col items-center justify-center gap-1 rounded-md bg-black/10 text-muted-foreground dark:bg-white/10">
              <MediaIcon className="h-8 w-8" aria-hidden />
              <span className="max-w-full truncate px-2 text-xs">{mediaName || t(`templates.header_format.${d.headerFormat}`)}</span>
            </div>
          )}
          <p className="break-words whitespace-pre-wrap">
            {d.body ? <Formatted text={fill(d.body, d.examples)} /> : <span className="italic opacity-60">{t("templates.preview_empty")}</span>}
          </p>
          {d.footer && <p className="text-xs text-muted-foreground">{d.footer}</p>}
          <p className="self-end text-[11px] text-muted-foreground">12:00</p>
        </div>
        {d.buttons.length > 0 && (
          <div className="mt-1 flex flex-col gap-1">
            {d.buttons.map((b, i) => {
              const Icon = buttonIcon[b.type];
              const label = b.type === "COPY_CODE" ? t("templates.copy_code_label") : b.text || t(`templates.button_type.${b.type}`);
              return (
                <div
                  key={i}
                  className="flex items-center justify-center gap-1.5 rounded-lg bg-bubble-in px-2 py-2 text-sm font-medium text-tick-read shadow-sm"
                >
                  <Icon className="h-4 w-4" aria-hidden />
                  <span className="truncate">{label}</span>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
