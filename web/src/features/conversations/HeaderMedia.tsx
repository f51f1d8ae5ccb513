// The media header of a template in the send picker: a file the agent
// attaches (uploaded with the send, through the attachments route) or a
// link WhatsApp fetches. Problems are said next to the field.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { FileText, Image as ImageIcon, Link2, Upload, Video, X } from "lucide-react";
import { HEADER_MEDIA, type MediaHeader } from "./logic";
import { Input, Label } from "../../components/ui/input";
import { FieldError } from "../../components/ui/field";
import { cn } from "../../lib/cn";

export type HeaderSource = "file" | "link";

export function formatSize(bytes: number, lang: string): string {
  const nf = (n: number) => new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(n);
  if (bytes >= 1024 * 1024) return `${nf(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${nf(bytes / 1024)} KB`;
  return `${bytes} B`;
}

export function HeaderMediaField({
  format,
  source,
  onSource,
  file,
  onFile,
  link,
  onLink,
  error,
  progress,
}: {
  format: MediaHeader;
  source: HeaderSource;
  onSource: (s: HeaderSource) => void;
  file: File | null;
  onFile: (f: File | null) => void;
  link: string;
  onLink: (v: string) => void;
  error: string;
  /** 0–1 while the file uploads, null otherwise. */
  progress: number | null;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const errId = `${id}-error`;
  const hintId = `${id}-hint`;
  const Icon = format === "IMAGE" ? ImageIcon : format === "VIDEO" ? Video : FileText;
  const describedBy = error ? `${hintId} ${errId}` : hintId;
  const tab = (s: HeaderSource, label: string, TabIcon: typeof Upload) => (
    <button
      type="button"
      role="radio"
      aria-checked={source === s}
      onClick={() => onSource(s)}
      className={cn(
        "flex flex-1 items-center justify-center gap-1.5 rounded px-2 py-1 text-xs font-medium whitespace-nowrap focus-visible:outline-2 focus-visible:outline-ring",
        source === s ? "bg-background text-foreground shadow-sm" : "text-muted-foreground hover:text-foreground",
      )}
    >
      <TabIcon className="h-3.5 w-3.5" aria-hidden />
      {label}
    </button>
  );
  return (
    <div className="flex flex-col gap-1.5" data-testid="header-media" data-source={source}>
      <span className="flex items-center gap-1.5 text-sm font-medium" id={`${id}-label`}>
        <Icon className="h-4 w-4 text-muted-foreground" aria-hidden />
        {t(`inbox.templates.header_media.${format}`)}
      </span>
      <div role="radiogroup" aria-labelledby={`${id}-label`} className="grid grid-cols-2 gap-0.5 rounded-md bg-muted p-0.5">
        {tab("file", t("inbox.templates.header_source_file"), Upload)}
        {tab("link", t("inbox.templates.header_source_link"), Link2)}
      </div>
      <p id={hintId} className="text-xs text-muted-foreground">
        {t(`inbox.templates.header_hint.${format}`)}
      </p>
      {source === "file" ? (
        <div className="flex flex-col gap-2">
          <label
            className={cn(
              "flex cursor-pointer items-center gap-2 self-start rounded-md border border-input bg-background px-3 py-2 text-sm hover:bg-muted has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-ring",
              error && !file && "border-danger",
            )}
          >
            <Upload className="h-4 w-4" aria-hidden />
            {file ? t("inbox.templates.header_change") : t("inbox.templates.header_choose")}
            <input
              type="file"
              className="sr-only"
              accept={HEADER_MEDIA[format].accept.join(",")}
              data-testid="header-file-input"
              aria-describedby={describedBy}
              aria-invalid={error ? true : undefined}
              onChange={(e) => {
                onFile(e.target.files?.[0] ?? null);
                e.target.value = "";
              }}
            />
          </label>
          {file && (
            <span
              className={cn("flex min-w-0 items-center gap-2 rounded-md border px-2 py-1.5 text-sm", error ? "border-danger" : "border-border")}
              data-testid="header-file"
            >
              <Icon className="h-4 w-4 shrink-0 text-muted-foreground" aria-hidden />
              <span className="min-w-0 flex-1 truncate" title={file.name}>
                {file.name}
              </span>
              <span className="shrink-0 text-xs text-muted-foreground tabular-nums">{formatSize(file.size, i18n.language)}</span>
              {progress === null && (
                <button
                  type="button"
                  onClick={() => onFile(null)}
                  aria-label={t("inbox.templates.header_remove")}
                  title={t("inbox.templates.header_remove")}
                  className="shrink-0 rounded p-0.5 hover:bg-muted"
                >
                  <X className="h-3.5 w-3.5" aria-hidden />
                </button>
              )}
            </span>
          )}
        </div>
      ) : (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-link`} className="sr-only">
            {t("inbox.templates.header_link")}
          </Label>
          <Input
            id={`${id}-link`}
            type="url"
            inputMode="url"
            placeholder="https://…"
            value={link}
            onChange={(e) => onLink(e.target.value)}
            aria-describedby={describedBy}
            aria-invalid={error ? true : undefined}
          />
        </div>
      )}
      {progress !== null && (
        <span className="flex items-center gap-2 text-xs">
          <span
            className="h-1.5 flex-1 overflow-hidden rounded-full bg-muted"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(progress * 100)}
            aria-label={t("inbox.templates.header_uploading")}
          >
            <span className="block h-full bg-primary transition-[width]" style={{ width: `${Math.round(progress * 100)}%` }} />
          </span>
          <span className="w-10 text-right tabular-nums">{Math.round(progress * 100)}%</span>
        </span>
      )}
      <FieldError id={errId}>{error}</FieldError>
    </div>
  );
}
