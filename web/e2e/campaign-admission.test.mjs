// End-to-end test of a campaign's admission control against the real server
// binary: recording consent in bulk from the wizard's audience step, the
// messaging limit on the review (a Simulator imitating a limit of 2 people
// per 24 hours), and the detail page saying why the campaign waits.
// Run with `npm run e2e` (see README).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CHROME_CONTEXT, launchBrowser, saveLastScreen, signUp, startServer, watch } from "./harness.mjs";

let server;
let chrome;
let context;
let post;

describe("Campaign admission", () => {
  before(async () => {
    server = await startServer();
    chrome = await launchBrowser();
    context = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL, viewport: { width: 1366, height: 768 } });
    ({ post } = await signUp(context, server.baseURL, {
      company: "Floricultura Ipê",
      name: "Rita Lima",
      email: "rita@ipe.example",
      password: "senha-bem-longa-9",
    }));
  });

  after(async () => {
    await context?.close();
    await chrome?.close();
    await server?.stop();
  });

  it("records consent for the audience, shows the limit and waits for it", async (t) => {
    await post("/api/v1/connections", { type: "simulator", name: "Loja", config: { delivery_delay_ms: 50, messaging_limit: 2 } });
    await post("/api/v1/tags", { name: "feira", color: "#16a34a" });
    for (const [name, phone] of [
      ["Bia Rocha", "+5511981000001"],
      ["Caio Reis", "+5511981000002"],
      ["Duda Melo", "+5511981000003"],
    ]) {
      await post("/api/v1/contacts", { name, phone, tags: ["feira"] });
    }
    const page = await context.newPage();
    const watcher = watch(page);
    t.after(async () => {
      await saveLastScreen(page, `campaign-admission ${t.name}`);
      await page.close();
      watcher.assertClean();
    });
    await page.goto("/campaigns/new");
    await page.getByLabel("Nome da campanha").fill("Dia das flores");
    await page.getByRole("button", { name: "Continuar" }).click();

    // Nobody has consent yet: record it for the audience from here.
    await page.locator("label", { hasText: "feira" }).click();
    const count = page.getByTestId("audience-count");
    await count.getByText(/Nenhum deles tem consentimento registrado/).waitFor();
    await page.getByTestId("record-consent").click();
    const dialog = page.getByRole("dialog", { name: "Registrar consentimento" });
    await dialog.waitFor();
    assert.equal(await page.getByTestId("record-consent-save").isDisabled(), true); // not confirmed yet
    await dialog.getByRole("checkbox").check();
    await page.getByTestId("record-consent-save").click();
    await dialog.getByText("Preencha este campo.").waitFor(); // the wording is the proof
    await dialog.getByLabel("O texto que a pessoa viu").fill("Quero receber ofertas da Floricultura Ipê pelo WhatsApp.");
    await page.getByTestId("record-consent-save").click();
    await page.getByText("Consentimento registrado para 3 contatos.").waitFor();
    await count.getByText(/Destes, 3 têm consentimento registrado/).waitFor();
    await page.getByRole("button", { name: "Continuar" }).click();

    await page.getByLabel("Mensagem", { exact: true }).fill("Flores com 20% de desconto hoje!");
    await page.getByRole("button", { name: "Continuar" }).click();
    await page.getByRole("button", { name: "Continuar" }).click();
    await page.getByRole("button", { name: "Continuar" }).click();

    // The review shows the messaging limit and what waits.
    const limit = page.getByTestId("messaging-limit");
    await limit.getByText("até 2 pessoas a cada 24 horas").waitFor();
    await limit.getByText(/2 mensagens saem agora; 1 aguarda o limite liberar/).waitFor();
    await page.getByRole("button", { name: "Iniciar campanha" }).click();
    await page.getByTestId("confirm-start").click();
    await page.waitForURL((u) => /^\/campaigns\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith("/new"));
    await page.getByTestId("wait-reason").getByText(/Aguardando o limite de mensagens da Meta/).waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="campaign-status"][data-status="running"]').waitFor();
  });
});
