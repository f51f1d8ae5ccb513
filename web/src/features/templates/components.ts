// The template editor works on a Draft and turns it into Meta's components
// JSON (the shape internal/templates/validate.go checks), and back again
// for editing. Server errors name a component by its index
// ("components.1.text"); fieldFor maps them back to the editor's inputs.

export type HeaderFormat = "NONE" | "TEXT" | "IMAGE" | "VIDEO" | "DOCUMENT";
export type ButtonType = "QUICK_REPLY" | "URL" | "PHONE_NUMBER" | "COPY_CODE";

export interface Component {
  type: string;
  format?: string;
  text?: string;
  buttons?: { type: string; text?: string; url?: string; phone_number?: string; example?: unknown }[];
  example?: {
    header_text?: string[];
    header_handle?: string[];
    body_text?: string[][];
    body_text_named_params?: { param_name: string; example: string }[];
    header_text_named_params?: { param_name: string; example: string }[];
  };
}

export interface ButtonDraft {
  type: ButtonType;
  text: string;
  url: string;
  phone_number: string;
  /** URL buttons: the value of {{1}}; copy code: the code. */
  example: string;
}

export interface Draft {
  name: string;
  language: string;
  category: string;
  headerFormat: HeaderFormat;
  headerText: string;
  headerExample: string;
  headerHandle: string;
  body: string;
  /** Example value per variable name ("1", "2" or "first_name"). */
  examples: Record<string, string>;
  footer: string;
  buttons: ButtonDraft[];
}

export const emptyDraft = (): Draft => ({
  name: "",
  language: "pt_BR",
  category: "UTILITY",
  headerFormat: "NONE",
  headerText: "",
  headerExample: "",
  headerHandle: "",
  body: "",
  examples: {},
  footer: "",
  buttons: [],
});

export const newButton = (type: ButtonType): ButtonDraft => ({ type, text: "", url: "", phone_number: "", example: "" });

const VAR = /\{\{\s*([^{}\s]*)\s*\}\}/g;

/** The variables of a text in order of first appearance, and whether they are positional. */
export function variables(text: string): { names: string[]; positional: boolean } {
  const names: string[] = [];
  for (const m of text.matchAll(VAR)) if (m[1] && !names.includes(m[1])) names.push(m[1]);
  const positional = names.length > 0 && names.every((n) => /^\d+$/.test(n));
  if (positional) names.sort((a, b) => Number(a) - Number(b));
  return { names, positional };
}

/** Puts example values in place of the variables; a variable without one stays visible. */
export function fill(text: string, examples: Record<string, string>): string {
  return text.replace(VAR, (whole, name: string) => examples[name]?.trim() || whole);
}

export interface Built {
  components: Component[];
  /** Index of each part in components, to read server errors back. */
  index: { header?: number; body: number; footer?: number; buttons?: number };
}

export function toComponents(d: Draft): Built {
  const components: Component[] = [];
  const index: Built["index"] = { body: -1 };
  if (d.headerFormat === "TEXT") {
    const c: Component = { type: "HEADER", format: "TEXT", text: d.headerText };
    const v = variables(d.headerText);
    if (v.names.length) {
      const ex = d.headerExample;
      c.example = v.positional ? { header_text: [ex] } : { header_text_named_params: [{ param_name: v.names[0], example: ex }] };
    }
    index.header = components.push(c) - 1;
  } else if (d.headerFormat !== "NONE") {
    index.header = components.push({ type: "HEADER", format: d.headerFormat, example: { header_handle: [d.headerHandle] } }) - 1;
  }
  const body: Component = { type: "BODY", text: d.body };
  const v = variables(d.body);
  if (v.names.length) {
    body.example = v.positional
      ? { body_text: [v.names.map((n) => d.examples[n] ?? "")] }
      : { body_text_named_params: v.names.map((n) => ({ param_name: n, example: d.examples[n] ?? "" })) };
  }
  index.body = components.push(body) - 1;
  if (d.footer.trim()) index.footer = components.push({ type: "FOOTER", text: d.footer }) - 1;
  if (d.buttons.length) {
    const buttons = d.buttons.map((b) => {
      switch (b.type) {
        case "URL": {
          const out: NonNullable<Component["buttons"]>[number] = { type: "URL", text: b.text, url: b.url };
          if (b.url.includes("{{")) out.example = [b.url.replace(/\{\{1\}\}$/, b.example)];
          return out;
        }
        case "PHONE_NUMBER":
          return { type: "PHONE_NUMBER", text: b.text, phone_number: b.phone_number };
        case "COPY_CODE":
          return { type: "COPY_CODE", example: b.example };
        default:
          return { type: "QUICK_REPLY", text: b.text };
      }
    });
    index.buttons = components.push({ type: "BUTTONS", buttons }) - 1;
  }
  return { components, index };
}

/** The editor's input for a server error path, or "" when it concerns the whole template. */
export function fieldFor(path: string, index: Built["index"]): string {
  if (!path.startsWith("components.")) return path === "components" ? "" : path;
  const [, i, ...rest] = path.split(".");
  const n = Number(i);
  const tail = rest.join(".");
  if (n === index.header) return tail === "example" ? "header_example" : tail === "format" ? "header_format" : "header_text";
  if (n === index.body) return tail === "example" ? "body_example" : "body";
  if (n === index.footer) return "footer";
  if (n === index.buttons) {
    const m = /^buttons\.(\d+)\.(\w+)$/.exec(tail);
    return m ? `button.${m[1]}.${m[2]}` : "buttons";
  }
  return "";
}

/** A stored template back into the editor's shape. */
export function fromComponents(t: { name: string; language: string; category: string; components: Component[] | null }): Draft {
  const d = { ...emptyDraft(), name: t.name, language: t.language, category: t.category };
  for (const c of t.components ?? []) {
    switch (c.type.toUpperCase()) {
      case "HEADER": {
        const f = (c.format ?? "TEXT").toUpperCase();
        d.headerFormat = (["TEXT", "IMAGE", "VIDEO", "DOCUMENT"].includes(f) ? f : "NONE") as HeaderFormat;
        d.headerText = c.text ?? "";
        d.headerExample = c.example?.header_text?.[0] ?? c.example?.header_text_named_params?.[0]?.example ?? "";
        d.headerHandle = c.example?.header_handle?.[0] ?? "";
        break;
      }
      case "BODY": {
        d.body = c.text ?? "";
        const v = variables(d.body);
        const pos = c.example?.body_text?.[0] ?? [];
        v.names.forEach((n, i) => {
          if (v.positional) d.examples[n] = pos[i] ?? "";
        });
        for (const p of c.example?.body_text_named_params ?? []) d.examples[p.param_name] = p.example;
        break;
      }
      case "FOOTER":
        d.footer = c.text ?? "";
        break;
      case "BUTTONS":
        d.buttons = (c.buttons ?? []).map((b) => {
          const type = (b.type.toUpperCase() as ButtonType) || "QUICK_REPLY";
          let example = "";
          if (type === "COPY_CODE") example = typeof b.example === "string" ? b.example : Array.isArray(b.example) ? String(b.example[0] ?? "") : "";
          if (type === "URL" && Array.isArray(b.example) && b.url) {
            const prefix = b.url.replace(/\{\{1\}\}$/, "");
            const full = String(b.example[0] ?? "");
            example = full.startsWith(prefix) ? full.slice(prefix.length) : full;
          }
          return { type, text: b.text ?? "", url: b.url ?? "", phone_number: b.phone_number ?? "", example };
        });
        break;
    }
  }
  return d;
}
