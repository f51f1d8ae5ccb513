import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { I18nextProvider } from "react-i18next";
import i18n from "../i18n";
import { Field } from "./ui/field";
import { auditSentence } from "../features/settings/AuditPage";
import { safeNext } from "../features/auth/LoginPage";

describe("Field", () => {
  it("links the label to the input and shows the error next to it", () => {
    const html = renderToStaticMarkup(<Field id="email" label="E-mail" error="Digite um e-mail válido." value="" readOnly />);
    expect(html).toContain('<label class="text-sm font-medium" for="email">E-mail</label>');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('aria-describedby="email-error"');
    expect(html).toContain('id="email-error"');
    expect(html).toContain("Digite um e-mail válido.");
  });

  it("shows the hint when there is no error", () => {
    const html = renderToStaticMarkup(
      <I18nextProvider i18n={i18n}>
        <Field id="p" label="Senha" hint="Pelo menos 10 caracteres." value="" readOnly />
      </I18nextProvider>,
    );
    expect(html).toContain("Pelo menos 10 caracteres.");
    expect(html).not.toContain("aria-invalid");
  });
});

describe("auditSentence", () => {
  const base = {
    id: "1",
    ip: "127.0.0.1",
    target_type: "",
    target_id: "",
    created_at: "2026-11-25T17:30:00Z",
  };
  it("puts known actions into words in each language", () => {
    const e = { ...base, action: "invitation.created", actor: { type: "user" as const, id: "u", name: "Ana" }, details: { email: "bia@example.com" } };
    expect(auditSentence(i18n.getFixedT("pt-BR"), e)).toBe("Ana convidou bia@example.com");
    expect(auditSentence(i18n.getFixedT("en"), e)).toBe("Ana invited bia@example.com");
  });
  it("shows unknown actions by name", () => {
    const e = { ...base, action: "contact.merged", actor: { type: "system" as const, id: "", name: "" }, details: null };
    expect(auditSentence(i18n.getFixedT("en"), e)).toBe("Masteria: contact.merged");
  });
});

describe("safeNext", () => {
  it("only follows paths on this site", () => {
    expect(safeNext("/settings/team")).toBe("/settings/team");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
