// End-to-end tests of the dashboard (Painel) against the real server binary:
// the empty state of a new company, messages typed on the Simulator's phone
// and an agent's answer showing up in the numbers, the period and the
// connection kept in the URL, and a running campaign followed live. Run with
// `npm run e2e`.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CHROME_CONTEXT, launchBrowser, saveLastScreen, startServer, watch, signUp } from "./harness.mjs";

const OWNER = {
  company: "Açaí da Praia",
  name: "Renata Alves",
  email: "renata@acai.example",
  password: "senha-bem-longa-7",
};

let server;
let chrome;
let context;
let api;
let sim;

async function openPage(t) {
  const page = await context.newPage();
  const watcher = watch(page);
  t.after(async () => {
    await saveLastScreen(page, `dashboard ${t.name}`);
    await page.close();
    watcher.assertClean();
  });
  return { page, watcher };
}

const kpi = (page, name) => page.getByTestId(`kpi-${name}-value`);
/** Waits until a KPI card shows exactly this figure. */
const kpiShows = (page, name, text, timeout = 15_000) =>
  kpi(page, name)
    .filter({ hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) })
    .waitFor({ timeout });

describe("Dashboard", () => {
  before(async () => {
    server = await startServer();
    chrome = await launchBrowser();
    context = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL, viewport: { width: 1366, height: 768 } });
    ({ api } = await signUp(context, server.baseURL, OWNER));
  });

  after(async () => {
    await context?.close();
    await chrome?.close();
    await server?.stop();
  });

  it("tells a new company to connect a number or try the Simulator", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/");
    const empty = page.getByTestId("dashboard-empty");
    await empty.getByText("Nenhuma conexão ainda").waitFor();
    await empty.getByText(/Conecte um número do WhatsApp ou experimente o Simulador/).waitFor();
    await empty.getByRole("link", { name: "Experimentar o Simulador" }).click();
    await page.waitForURL((u) => u.pathname === "/connections");
  });

  it("counts what customers type on the Simulator and the agent's answer", async (t) => {
    const { page } = await openPage(t);
    sim = await api("POST", "/api/v1/connections", { type: "simulator", name: "Simulador da loja", config: { delivery_delay_ms: 200 } });

    // A customer writes twice from the Simulator's phone.
    await page.goto(`/connections/${sim.id}/simulator`);
    const phone = page.getByTestId("simulator-phone");
    await phone.getByLabel("Telefone do cliente").fill("(71) 98888-1234");
    await phone.getByLabel("Nome do cliente").fill("Paulo Reis");
    await phone.getByRole("button", { name: "Começar conversa" }).click();
    for (const text of ["Oi! Tem açaí com cupuaçu?", "Quero dois de 500 ml."]) {
      await phone.getByTestId("simulator-text").fill(text);
      await phone.getByRole("button", { name: "Enviar como cliente" }).click();
      await phone.getByTestId("bubble").filter({ hasText: text }).waitFor({ timeout: 15_000 });
    }

    // The dashboard counts them: two received, nothing sent, no rates yet.
    await page.goto("/");
    await page.getByTestId("dashboard").waitFor();
    await kpiShows(page, "received", "2", 15_000);
    assert.equal(await kpi(page, "sent").textContent(), "0");
    assert.equal(await kpi(page, "delivered").textContent(), "—");
    assert.equal(await kpi(page, "active").textContent(), "1");
    // The chart is drawn (Recharts, loaded on demand).
    await page.getByTestId("dashboard").locator(".recharts-surface").first().waitFor();

    // The agent answers; the open dashboard follows without a reload, up to
    // the Simulator's read report.
    const conv = (await api("GET", `/api/v1/conversations?connection_id=${sim.id}`)).data[0];
    await api("POST", `/api/v1/conversations/${conv.id}/messages`, { type: "text", text: "Temos sim! Já separo os dois." });
    await kpiShows(page, "sent", "1", 20_000);
    await kpiShows(page, "read", "100%", 20_000);
    await kpiShows(page, "delivered", "100%");
    assert.notEqual(await kpi(page, "first-response").textContent(), "—");
    await page.getByTestId("times-row").filter({ hasText: OWNER.name }).waitFor();
  });

  it("keeps the period and the connection in the URL", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/");
    await kpiShows(page, "received", "2");
    assert.equal(await page.getByTestId("period-7").getAttribute("aria-pressed"), "true");

    await page.getByTestId("period-30").click();
    await page.waitForURL((u) => u.searchParams.get("period") === "30");
    await page.getByTestId("period-today").click();
    await page.waitForURL((u) => u.searchParams.get("period") === "today");
    await kpiShows(page, "received", "2");
    await page.getByLabel("Conexão").selectOption({ label: "Simulador da loja" });
    await page.waitForURL((u) => u.searchParams.get("connection") === sim.id);
    await kpiShows(page, "received", "2");

    // A custom period: dates next to the picker, a wrong order explained there.
    await page.getByTestId("period-custom").click();
    await page.waitForURL((u) => u.searchParams.get("period") === "custom" && !!u.searchParams.get("from"));
    await page.getByLabel("De", { exact: true }).fill("2026-12-31");
    await page.getByLabel("Até", { exact: true }).fill("2026-01-01");
    await page.getByRole("alert").getByText("A data inicial precisa vir antes da final.").waitFor();
    await page.getByLabel("De", { exact: true }).fill("2025-01-01");
    await page.getByLabel("Até", { exact: true }).fill("2026-01-02");
    await page.getByRole("alert").getByText("Escolha um período de até 366 dias.").waitFor();

    // A link to a filtered view opens that view.
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Sao_Paulo" }).format(new Date());
    await page.goto(`/?period=custom&from=2026-01-01&to=${today}&connection=${sim.id}`);
    assert.equal(await page.getByTestId("period-custom").getAttribute("aria-pressed"), "true");
    assert.equal(await page.getByLabel("Conexão").inputValue(), sim.id);
    assert.equal(await page.getByLabel("De", { exact: true }).inputValue(), "2026-01-01");
    await kpiShows(page, "received", "2");
  });

  it("follows a running campaign's progress live", async (t) => {
    const { page } = await openPage(t);
    for (let i = 0; i < 8; i++) {
      const c = await api("POST", "/api/v1/contacts", { phone: `+55 71 97777-100${i}`, name: `Cliente ${i}`, tags: ["praia"] });
      await api("POST", `/api/v1/contacts/${c.id}/consent`, { action: "opt_in", source: "form", wording: "Quero receber ofertas." });
    }
    const campaign = await api("POST", "/api/v1/campaigns", {
      name: "Promoção de verão",
      connection_ids: [sim.id],
      audience: { tags: ["praia"] },
      message: { type: "text", text: "Açaí em dobro hoje!" },
      // One a second: the campaign is still sending when the page opens.
      rate_per_second: 1,
    });
    await api("POST", `/api/v1/campaigns/${campaign.id}/start`);

    await page.goto("/");
    const card = page.getByTestId("dashboard-campaign").filter({ hasText: "Promoção de verão" });
    await card.waitFor();
    // The bar moves while the page stays open: campaign.progress events.
    await card.getByTestId("campaign-progress-text").filter({ hasText: /^[1-8] de 8/ }).waitFor({ timeout: 20_000 });
  });
});
