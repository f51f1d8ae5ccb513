// End-to-end tests of Connections, the Simulator, Templates, webhook events
// and Conversations, against the real server binary. Run
// with `npm run e2e` (see README).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CHROME_CONTEXT, launchBrowser, saveLastScreen, startServer, watch, signUp } from "./harness.mjs";

const OWNER = {
  company: "Doceria Flor de Açúcar",
  name: "Beatriz Nunes",
  email: "bia@doceria.example",
  password: "senha-bem-longa-9",
};

let server;
let chrome;
let context;

async function openPage(t) {
  const page = await context.newPage();
  const watcher = watch(page);
  t.after(async () => {
    await saveLastScreen(page, `messaging ${t.name}`);
    await page.close();
    watcher.assertClean();
  });
  return { page, watcher };
}

describe("Messaging", () => {
  before(async () => {
    server = await startServer();
    chrome = await launchBrowser();
    context = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL, viewport: { width: 1366, height: 768 } });
    await signUp(context, server.baseURL, OWNER);
  });

  after(async () => {
    await context?.close();
    await chrome?.close();
    await server?.stop();
  });

  it("shows a WhatsApp connection's validation errors next to their fields", async (t) => {
    const { page, watcher } = await openPage(t);
    await page.goto("/connections");
    await page.getByText("Nenhuma conexão ainda").waitFor();
    await page.getByRole("button", { name: "Conectar WhatsApp" }).click();
    const dialog = page.getByRole("dialog", { name: "Nova conexão" });
    await dialog.getByLabel("Nome", { exact: true }).fill("Loja Centro");
    await dialog.getByLabel("ID do número de telefone").fill("abc");
    await dialog.getByLabel("ID da conta do WhatsApp Business").fill("123456789012345");
    watcher.allow("POST", /^\/api\/v1\/connections$/, 422);
    await dialog.getByRole("button", { name: "Criar conexão" }).click();
    const phoneId = dialog.getByLabel("ID do número de telefone");
    await dialog.getByText("Use só números, como aparece no painel da Meta.").waitFor();
    assert.equal(await phoneId.getAttribute("aria-invalid"), "true");
    assert.equal(await dialog.getByLabel("ID da conta do WhatsApp Business").getAttribute("aria-invalid"), null);
    // The missing token is pointed out where it goes too.
    assert.equal(await dialog.getByLabel("Token de acesso").getAttribute("aria-invalid"), "true");

    // Fixed, the connection is created and the webhook details are shown once.
    await phoneId.fill("109876543210987");
    await dialog.getByLabel("Token de acesso").fill("EAAG-token-de-teste");
    await dialog.getByLabel("Chave secreta do app").fill("segredo-do-app");
    await dialog.getByRole("button", { name: "Criar conexão" }).click();
    const done = page.getByRole("dialog", { name: "Conexão criada. Falta ligar o webhook" });
    const url = await done.getByTestId("webhook-url").inputValue();
    assert.match(url, /\/webhooks\/whatsapp_cloud\/[A-Za-z0-9-]+$/);
    assert.ok((await done.getByTestId("webhook-verify-token").inputValue()).length > 10);
    await done.getByRole("button", { name: "Pronto" }).click();
    const row = page.getByTestId("connection-row").filter({ hasText: "Loja Centro" });
    await row.getByText("WhatsApp Cloud").waitFor();
    await row.getByText("Ativa").waitFor();

    // Editing shows secrets as set, never their values.
    await row.getByRole("link", { name: "Detalhes de Loja Centro" }).click();
    await page.getByRole("heading", { name: "Loja Centro" }).waitFor();
    assert.equal(await page.getByLabel("Token de acesso").inputValue(), "");
    assert.equal(await page.getByLabel("Token de acesso").getAttribute("placeholder"), "definido");
  });

  it("creates a Simulator and sends a message from its phone", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/connections");
    await page.getByRole("button", { name: "Nova conexão" }).click();
    const dialog = page.getByRole("dialog", { name: "Nova conexão" });
    // The type is a radio drawn as a card: the card is what people click.
    await dialog.locator("label").filter({ hasText: "Um celular de mentira" }).click();
    assert.ok(await dialog.getByRole("radio", { name: /Simulador/ }).isChecked());
    await dialog.getByLabel("Nome", { exact: true }).fill("Simulador da doceria");
    await dialog.getByRole("button", { name: "Criar conexão" }).click();
    await page.waitForURL(/\/connections\/[A-Za-z0-9-]+\/simulator/);
    const phone = page.getByTestId("simulator-phone");
    await phone.getByLabel("Telefone do cliente").fill("(11) 97777-1234");
    await phone.getByLabel("Nome do cliente").fill("Carla Mendes");
    await phone.getByRole("button", { name: "Começar conversa" }).click();
    await phone.getByTestId("simulator-text").fill("Oi! Vocês fazem bolo de pote?");
    await phone.getByRole("button", { name: "Enviar como cliente" }).click();
    await phone.getByTestId("bubble").filter({ hasText: "Oi! Vocês fazem bolo de pote?" }).waitFor({ timeout: 15_000 });
    await page.waitForURL((u) => u.searchParams.get("phone") === "+5511977771234");
    assert.equal(await phone.getByTestId("bubble").first().getAttribute("data-direction"), "inbound");

    // The conversation is in Conversas, ready for an answer.
    await page.goto("/inbox?tab=all");
    await page.getByTestId("conversation-row").filter({ hasText: "Carla Mendes" }).click();
    await page.getByTestId("timeline").getByText("Oi! Vocês fazem bolo de pote?").waitFor();
    await page.getByTestId("composer").waitFor();
  });

  it("creates a template on the Simulator and sees it approved with its preview", async (t) => {
    const { page, watcher } = await openPage(t);
    await page.goto("/templates");
    await page.getByLabel("Conexão").selectOption({ label: "Simulador da doceria (Simulador)" });
    await page.getByText("Nenhum modelo nesta conexão").waitFor();
    await page.getByRole("link", { name: "Novo modelo" }).click();
    const form = page.getByTestId("template-form");
    await form.getByLabel("Nome do modelo").fill("Encomenda Pronta");
    assert.equal(await form.getByLabel("Nome do modelo").inputValue(), "encomenda_pronta");

    // Skipped variable numbers come back from the server next to the text.
    watcher.allow("POST", /^\/api\/v1\/connections\/[^/]+\/templates$/, 422);
    await form.getByLabel("Texto da mensagem").fill("Olá {{1}}, sua encomenda {{3}} está pronta.");
    await form.getByLabel("Exemplo para {{1}}").fill("Ana");
    await form.getByLabel("Exemplo para {{3}}").fill("#42");
    await page.getByRole("button", { name: "Enviar para aprovação" }).click();
    await form.getByText("Numere as variáveis em ordem").waitFor();
    assert.equal(await form.getByLabel("Texto da mensagem").getAttribute("aria-invalid"), "true");

    await form.getByLabel("Texto da mensagem").fill("Olá {{1}}, sua encomenda {{2}} está pronta para retirada.");
    await form.getByLabel("Exemplo para {{2}}").fill("#42");
    await form.getByLabel("Rodapé (opcional)").fill("Doceria Flor de Açúcar");
    await form.getByRole("button", { name: "Resposta rápida" }).click();
    await form.getByLabel("Texto do botão").fill("Vou buscar");
    const preview = page.getByTestId("template-preview");
    await preview.getByText("Olá Ana, sua encomenda #42 está pronta para retirada.").waitFor();
    await preview.getByText("Vou buscar").waitFor();
    await page.getByRole("button", { name: "Enviar para aprovação" }).click();

    await page.waitForURL((u) => u.pathname === "/templates");
    const row = page.getByTestId("template-row").filter({ hasText: "encomenda_pronta" });
    await row.getByTestId("template-status").getByText("Aprovado").waitFor({ timeout: 15_000 });
    await row.getByRole("button", { name: "Ver" }).click();
    await row.getByTestId("template-preview").getByText("Olá Ana, sua encomenda #42 está pronta para retirada.").waitFor();
    await row.getByTestId("template-preview").getByText("Doceria Flor de Açúcar").waitFor();
  });

  it("uploads an image sample for a template header", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/templates");
    await page.getByLabel("Conexão").selectOption({ label: "Simulador da doceria (Simulador)" });
    await page.getByRole("link", { name: "Novo modelo" }).click();
    const form = page.getByTestId("template-form");
    await form.getByLabel("Nome do modelo").fill("bolo_do_dia");
    await form.getByLabel("Tipo de cabeçalho").selectOption({ label: "Imagem" });
    // A 1×1 PNG is enough for the Simulator.
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
      "base64",
    );
    await form.locator("input[type=file]").setInputFiles({ name: "bolo.png", mimeType: "image/png", buffer: png });
    await form.getByTestId("sample-ok").getByText("bolo.png").waitFor();
    await page.getByTestId("template-preview").getByText("bolo.png").waitFor();
    await form.getByLabel("Texto da mensagem").fill("O bolo de hoje é de cenoura com chocolate.");
    await page.getByRole("button", { name: "Enviar para aprovação" }).click();
    await page.waitForURL((u) => u.pathname === "/templates");
    const row = page.getByTestId("template-row").filter({ hasText: "bolo_do_dia" });
    await row.getByTestId("template-status").getByText("Aprovado").waitFor({ timeout: 15_000 });
  });

  it("explains the webhook events page when nothing failed", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/connections");
    await page.getByRole("link", { name: "Eventos de webhook" }).click();
    await page.getByText("Nenhum evento com falha").waitFor();
    await page.getByText("Aqui aparecem as entregas de mensagens").waitFor();
    // Everything, including the Simulator's delivery, is one tab away.
    await page.getByRole("tab", { name: "Todos" }).click();
    await page.waitForURL((u) => u.searchParams.get("status") === "all");
    await page.getByTestId("webhook-event").first().getByText("Processado").waitFor();
  });
});
