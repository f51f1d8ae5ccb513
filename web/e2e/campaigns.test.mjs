// End-to-end test of Campaigns against the real server binary: the empty
// state, the wizard (checks next to the fields, the live audience count with
// the consent rule, field insertion and preview, a test send), starting a
// text campaign on a Simulator and watching it reach 100% and completed,
// and a template campaign whose variables come from contact fields (one a
// custom field), checked in each recipient's conversation.
// Run with `npm run e2e` (see README).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CHROME_CONTEXT, launchBrowser, saveLastScreen, startServer, watch, signUp } from "./harness.mjs";

const OWNER = {
  company: "Sorveteria Gelato Bom",
  name: "Camila Torres",
  email: "camila@gelato.example",
  password: "senha-bem-longa-7",
};

let server;
let chrome;
let context;
let post;
let get;

async function openPage(t) {
  const page = await context.newPage();
  const watcher = watch(page);
  t.after(async () => {
    await saveLastScreen(page, `campaigns ${t.name}`);
    await page.close();
    watcher.assertClean();
  });
  return { page, watcher };
}

describe("Campaigns", () => {
  before(async () => {
    server = await startServer();
    chrome = await launchBrowser();
    context = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL, viewport: { width: 1366, height: 768 } });
    ({ get, post } = await signUp(context, server.baseURL, OWNER));
  });

  after(async () => {
    await context?.close();
    await chrome?.close();
    await server?.stop();
  });

  it("sends to Conexões when there is no connection yet", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/campaigns");
    const empty = page.getByTestId("campaigns-empty");
    await empty.getByText("Nenhuma campanha ainda").waitFor();
    await empty.getByText(/conecte um número do WhatsApp ou experimente o Simulador/).waitFor();
    await empty.getByRole("link", { name: "Ir para Conexões" }).click();
    await page.waitForURL((u) => u.pathname === "/connections");
  });

  it("creates a text campaign in the wizard, starts it and follows it to the end", async (t) => {
    // A Simulator and three customers tagged "clientes": two with an opt-in,
    // one without (the company requires consent for marketing by default).
    await post("/api/v1/connections", { type: "simulator", name: "Simulador", config: { delivery_delay_ms: 50 } });
    await post("/api/v1/tags", { name: "clientes", color: "#16a34a" });
    const people = [
      ["Maria Silva", "+5511980000001", true],
      ["João Souza", "+5511980000002", true],
      ["Sem Consentimento", "+5511980000003", false],
    ];
    for (const [name, phone, optIn] of people) {
      const c = await post("/api/v1/contacts", { name, phone, tags: ["clientes"] });
      if (optIn) await post(`/api/v1/contacts/${c.id}/consent`, { action: "opt_in", source: "form", wording: "Quero receber ofertas." });
    }

    const { page } = await openPage(t);
    await page.goto("/campaigns");
    await page.getByRole("link", { name: "Criar a primeira campanha" }).click();
    await page.waitForURL((u) => u.pathname === "/campaigns/new");

    // 1. Name and connections: nothing typed is pointed out next to the name.
    await page.getByRole("button", { name: "Continuar" }).click();
    const name = page.getByLabel("Nome da campanha");
    await page.getByText("Preencha este campo.").waitFor();
    assert.equal(await name.getAttribute("aria-invalid"), "true");
    await name.fill("Promoção de verão");
    // The only connection comes chosen.
    assert.equal(await page.getByRole("checkbox", { name: /Simulador/ }).isChecked(), true);
    await page.getByRole("button", { name: "Continuar" }).click();

    // 2. Audience: the live count, and how many the consent rule lets through.
    await page.getByRole("heading", { name: "Para quem enviar" }).waitFor();
    await page.getByRole("button", { name: "Continuar" }).click();
    await page.getByText("Escolha pelo menos uma etiqueta ou segmento, ou todos os contatos.").waitFor();
    await page.locator("label", { hasText: "clientes" }).click();
    const count = page.getByTestId("audience-count");
    await count.getByText("3 contatos nesta campanha").waitFor();
    await count.getByText(/Destes, 2 têm consentimento registrado/).waitFor();
    await page.getByRole("button", { name: "Continuar" }).click();

    // 3. Message: text with a field put in by a button, previewed for a sample person.
    await page.getByRole("heading", { name: "O que enviar" }).waitFor();
    await page.getByTestId("consent-note").waitFor();
    const text = page.getByLabel("Mensagem", { exact: true });
    await text.fill("Olá");
    await page.getByRole("button", { name: "Primeiro nome" }).click();
    await text.press("End");
    await text.pressSequentially(", sorvete em dobro hoje!");
    assert.equal(await text.inputValue(), "Olá {{first_name}}, sorvete em dobro hoje!");
    await page.getByTestId("text-preview").getByText("Olá Maria, sorvete em dobro hoje!").waitFor();
    await page.getByRole("button", { name: "Continuar" }).click();

    // 4. When to send: now, with no window. 5. Speed: the defaults.
    await page.getByText("Os horários seguem o fuso da empresa").waitFor();
    await page.getByRole("button", { name: "Continuar" }).click();
    await page.getByLabel("Mensagens por segundo, por número").waitFor();
    await page.getByRole("button", { name: "Continuar" }).click();

    // 6. Review, a test send (which saves the draft), then start.
    const review = page.getByTestId("campaign-review");
    await review.getByText("Promoção de verão").waitFor();
    await review.getByText("clientes").waitFor();
    // A number that cannot be one is pointed out next to the phone.
    const testPhone = page.getByLabel("Telefone para o teste");
    await testPhone.fill("123");
    await page.getByRole("button", { name: "Enviar teste" }).click();
    await page.getByText("Número de telefone inválido. Confira o DDD e os dígitos.").waitFor();
    assert.equal(await testPhone.getAttribute("aria-invalid"), "true");
    await testPhone.fill("+55 11 97777-0000");
    await page.getByRole("button", { name: "Enviar teste" }).click();
    await page.getByText("Teste enviado para +55 11 97777-0000.").waitFor();
    await page.getByRole("button", { name: "Iniciar campanha" }).click();
    await page.getByRole("dialog", { name: "Iniciar a campanha agora?" }).waitFor();
    await page.getByTestId("confirm-start").click();
    await page.waitForURL((u) => /^\/campaigns\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith("/new"));

    // The detail page follows it live to 100% and completed.
    const bar = page.getByTestId("campaign-progress");
    await page.locator('[data-testid="campaign-status"][data-status="completed"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="campaign-progress"][aria-valuenow="100"]').waitFor({ timeout: 30_000 });
    assert.equal(await bar.getAttribute("aria-valuenow"), "100");
    await page.getByTestId("campaign-progress-text").getByText("3 de 3 (100%)").waitFor();
    await page.getByTestId("count-skipped").getByText("1").waitFor();
    // The one without consent is explained in plain words.
    await page.getByTestId("campaign-failures").getByText(/Sem consentimento registrado/).waitFor();
    assert.match(await page.getByTestId("campaign-report").getAttribute("href"), /\/api\/v1\/campaigns\/[^/]+\/report\.csv$/);
    // Recipients, filtered by status in the address.
    await page.getByTestId("recipient-row").nth(2).waitFor();
    await page.getByLabel("Situação").selectOption("skipped");
    await page.waitForURL((u) => u.searchParams.get("status") === "skipped");
    await page.getByTestId("recipients-table").getByText("+55 11 98000-0001").waitFor({ state: "detached" });
    await page.getByTestId("recipients-table").getByText("+55 11 98000-0003").waitFor();
    assert.equal(await page.getByTestId("recipient-row").count(), 1);

    // The list shows it finished, with its progress.
    await page.goto("/campaigns");
    const row = page.getByTestId("campaign-row").filter({ hasText: "Promoção de verão" });
    await row.getByText("Concluída").waitFor();
    assert.equal(await row.getByTestId("campaign-progress").getAttribute("aria-valuenow"), "100");
  });

  it("sends an approved template with a variable taken from a contact field, and each person reads their own", async (t) => {
    // What the company knows of each customer: a favourite flavour, kept in a custom field.
    const conns = await get("/api/v1/connections");
    const sim =
      conns.data.find((c) => c.type === "simulator") ??
      (await post("/api/v1/connections", { type: "simulator", name: "Simulador", config: { delivery_delay_ms: 50 } }));
    await post("/api/v1/fields", { key: "sabor", label: "Sabor favorito", type: "text" });
    await post("/api/v1/tags", { name: "vip", color: "#7c3aed" });
    const people = [
      ["Lia Campos", "+5511980000011", "pistache"],
      ["Rui Dias", "+5511980000012", "morango"],
    ];
    for (const [name, phone, sabor] of people) {
      const c = await post("/api/v1/contacts", { name, phone, tags: ["vip"], fields: { sabor } });
      await post(`/api/v1/contacts/${c.id}/consent`, { action: "opt_in", source: "form", wording: "Quero receber ofertas." });
    }
    await post(`/api/v1/connections/${sim.id}/templates`, {
      name: "oferta_sabor",
      language: "pt_BR",
      category: "MARKETING",
      components: [
        {
          type: "BODY",
          text: "Oi {{1}}! Seu sorvete de {{2}} está com 20% de desconto hoje.",
          example: { body_text: [["Ana", "chocolate"]] },
        },
      ],
    });
    // The Simulator approves templates on its own, after a moment.
    for (let i = 0; i < 50; i++) {
      const list = await get(`/api/v1/connections/${sim.id}/templates`);
      if (list.data.some((x) => x.name === "oferta_sabor" && x.status === "APPROVED")) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    const { page } = await openPage(t);
    await page.goto("/campaigns");
    await page.getByRole("link", { name: "Nova campanha" }).click();
    await page.waitForURL((u) => u.pathname === "/campaigns/new");
    await page.getByLabel("Nome da campanha").fill("Sabor da semana");
    assert.equal(await page.getByRole("checkbox", { name: /Simulador/ }).isChecked(), true);
    await page.getByRole("button", { name: "Continuar" }).click();

    await page.getByRole("heading", { name: "Para quem enviar" }).waitFor();
    await page.locator("label", { hasText: "vip" }).click();
    await page.getByTestId("audience-count").getByText("2 contatos nesta campanha").waitFor();
    await page.getByRole("button", { name: "Continuar" }).click();

    // The template, its {{1}} from the first name and its {{2}} from the custom field.
    await page.getByRole("heading", { name: "O que enviar" }).waitFor();
    await page.getByRole("radio", { name: "Modelo" }).click();
    await page.getByLabel("Modelo", { exact: true }).selectOption({ label: "oferta_sabor (pt_BR) · Marketing" });
    const rows = page.getByTestId("variable-row");
    await rows.nth(1).waitFor();
    await rows.filter({ hasText: "{{1}}" }).getByRole("combobox").selectOption({ label: "Primeiro nome" });
    await rows.filter({ hasText: "{{2}}" }).getByRole("combobox").selectOption({ label: "Sabor favorito" });
    // The preview uses a sample person, with the custom field named in brackets.
    await page.getByTestId("template-preview").getByText("Oi Maria! Seu sorvete de [Sabor favorito] está com 20% de desconto hoje.").waitFor();
    await page.getByRole("button", { name: "Continuar" }).click();
    await page.getByText("Os horários seguem o fuso da empresa").waitFor();
    await page.getByRole("button", { name: "Continuar" }).click();
    await page.getByLabel("Mensagens por segundo, por número").waitFor();
    await page.getByRole("button", { name: "Continuar" }).click();

    const review = page.getByTestId("campaign-review");
    await review.getByText("Sabor da semana").waitFor();
    await review.getByText(/oferta_sabor \(pt_BR\)/).waitFor();
    await page.getByRole("button", { name: "Iniciar campanha" }).click();
    await page.getByRole("dialog", { name: "Iniciar a campanha agora?" }).waitFor();
    await page.getByTestId("confirm-start").click();
    await page.waitForURL((u) => /^\/campaigns\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith("/new"));

    // Live to 100%, every recipient sent.
    await page.locator('[data-testid="campaign-progress"][aria-valuenow="100"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="campaign-status"][data-status="completed"]').waitFor({ timeout: 30_000 });
    await page.getByTestId("campaign-progress-text").getByText("2 de 2 (100%)").waitFor();
    await page.getByTestId("recipient-row").nth(1).waitFor();

    // Each person got the text with their own name and flavour: Lia's conversation shows hers.
    await page.getByTestId("recipients-table").getByRole("link", { name: "+55 11 98000-0011" }).click();
    await page.waitForURL((u) => u.pathname.startsWith("/inbox/"));
    const sent = page.getByTestId("timeline").locator("[data-testid=bubble][data-type=template]");
    await sent.getByText("Oi Lia! Seu sorvete de pistache está com 20% de desconto hoje.").waitFor();
    assert.equal(await sent.count(), 1);
    // And Rui's, his.
    const rui = (await get("/api/v1/conversations?q=Rui")).data[0];
    const messages = (await get(`/api/v1/conversations/${rui.id}/messages`)).data;
    assert.ok(
      messages.some((m) => m.type === "template" && m.text === "Oi Rui! Seu sorvete de morango está com 20% de desconto hoje."),
      JSON.stringify(messages.map((m) => m.text)),
    );
  });
});
