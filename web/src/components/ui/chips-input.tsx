import { useId, useState, type KeyboardEvent } from "react";
import { X } from "lucide-react";
import { useTranslation } from "react-i18next";
import { cn } from "../../lib/cn";

/** A list of short words typed one by one (Enter or comma adds, the × removes). */
export function ChipsInput({
  id,
  value,
  onChange,
  suggestions,
  prompt,
  disabled,
  invalid,
  describedBy,
  testId,
}: {
  id?: string;
  value: string[];
  onChange: (v: string[]) => void;
  suggestions?: string[];
  prompt?: string;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const listId = useId();
  const [text, setText] = useState("");
  function add(raw: string) {
    const words = raw
      .split(",")
      .map((w) => w.trim())
      .filter(Boolean);
    const next = [...value];
    for (const w of words) if (!next.some((x) => x.toLowerCase() === w.toLowerCase())) next.push(w);
    if (next.length !== value.length) onChange(next);
    setText("");
  }
  function onKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "Enter" || e.key === ",") {
      if (text.trim()) {
        e.preventDefault();
        add(text);
      } else if (e.key === ",") e.preventDefault();
    } else if (e.key === "Backspace" && !text && value.length) {
      onChange(value.slice(0, -1));
    }
  }
  return (
    <div
      className={cn(
        "flex min-h-10 w-full flex-wrap items-center gap-1.5 rounded-md border border-input bg-background px-2 py-1.5",
        "focus-within:outline-2 focus-within:outline-offset-1 focus-within:outline-ring",
        invalid && "border-danger",
        disabled && "opacity-60",
      )}
      data-testid={testId}
    >
      {value.map((w) => (
        <span key={w} className="inline-flex items-center gap-1 rounded-full bg-muted py-0.5 pr-1 pl-2.5 text-sm">
          {w}
          {!disabled && (
            <button
              type="button"
              className="rounded-full p-0.5 text-muted-foreground hover:bg-border"
              aria-label={t("common.remove_item", { item: w })}
              onClick={() => onChange(value.filter((x) => x !== w))}
            >
              <X className="h-3 w-3" aria-hidden />
            </button>
          )}
        </span>
      ))}
      <input
        id={id}
        className="min-w-24 flex-1 bg-transparent px-1 text-sm outline-none"
        value={text}
        disabled={disabled}
        placeholder={value.length ? "" : prompt}
        list={suggestions?.length ? listId : undefined}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKey}
        onBlur={() => text.trim() && add(text)}
      />
      {suggestions?.length ? (
        <datalist id={listId}>
          {suggestions
            .filter((s) => !value.includes(s))
            .map((s) => (
              <option key={s} value={s} />
            ))}
        </datalist>
      ) : null}
    </div>
  );
}
