import { describe, expect, it } from "vitest";
import { emptyDraft, fieldFor, fill, fromComponents, toComponents, variables } from "./components";

describe("template components", () => {
  it("reads positional and named variables", () => {
    expect(variables("Oi {{2}}, {{1}} e {{1}}")).toEqual({ names: ["1", "2"], positional: true });
    expect(variables("Oi {{nome}}, seu pedido {{pedido}}")).toEqual({ names: ["nome", "pedido"], positional: false });
    expect(variables("sem nada")).toEqual({ names: [], positional: false });
  });

  it("fills examples and keeps missing ones visible", () => {
    expect(fill("Oi {{1}}, pedido {{2}}", { "1": "Ana" })).toBe("Oi Ana, pedido {{2}}");
  });

  it("builds Meta's shape with examples and buttons", () => {
    const d = {
      ...emptyDraft(),
      name: "pedido_pronto",
      headerFormat: "TEXT" as const,
      headerText: "Pedido {{1}}",
      headerExample: "123",
      body: "Oi {{1}}, seu pedido {{2}} está pronto.",
      examples: { "1": "Ana", "2": "#42" },
      footer: "Padaria",
      buttons: [
        { type: "QUICK_REPLY" as const, text: "Obrigado", url: "", phone_number: "", example: "" },
        { type: "URL" as const, text: "Ver pedido", url: "https://loja.example/p/{{1}}", phone_number: "", example: "42" },
        { type: "COPY_CODE" as const, text: "", url: "", phone_number: "", example: "DESC10" },
      ],
    };
    const { components, index } = toComponents(d);
    expect(components).toEqual([
      { type: "HEADER", format: "TEXT", text: "Pedido {{1}}", example: { header_text: ["123"] } },
      { type: "BODY", text: "Oi {{1}}, seu pedido {{2}} está pronto.", example: { body_text: [["Ana", "#42"]] } },
      { type: "FOOTER", text: "Padaria" },
      {
        type: "BUTTONS",
        buttons: [
          { type: "QUICK_REPLY", text: "Obrigado" },
          { type: "URL", text: "Ver pedido", url: "https://loja.example/p/{{1}}", example: ["https://loja.example/p/42"] },
          { type: "COPY_CODE", example: "DESC10" },
        ],
      },
    ]);
    expect(fieldFor("components.1.text", index)).toBe("body");
    expect(fieldFor("components.1.example", index)).toBe("body_example");
    expect(fieldFor("components.0.text", index)).toBe("header_text");
    expect(fieldFor("components.3.buttons.1.url", index)).toBe("button.1.url");
    expect(fieldFor("name", index)).toBe("name");
    expect(fieldFor("components", index)).toBe("");
    // And back for editing.
    const back = fromComponents({ name: d.name, language: "pt_BR", category: "UTILITY", components });
    expect(back.buttons[1].example).toBe("42");
    expect(back.examples).toEqual({ "1": "Ana", "2": "#42" });
    expect(back.headerExample).toBe("123");
  });

  it("uses named params for named variables and a handle for media", () => {
    const { components } = toComponents({
      ...emptyDraft(),
      headerFormat: "IMAGE",
      headerHandle: "4::abc",
      body: "Oi {{nome}}",
      examples: { nome: "Ana" },
    });
    expect(components).toEqual([
      { type: "HEADER", format: "IMAGE", example: { header_handle: ["4::abc"] } },
      { type: "BODY", text: "Oi {{nome}}", example: { body_text_named_params: [{ param_name: "nome", example: "Ana" }] } },
    ]);
  });
});
