// End-to-end tests of the flows that need email: the server is started with
// SMTP pointing at an in-memory mail sink.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CHROME_CONTEXT, launchBrowser, saveLastScreen, linkIn, startMailSink, startServer, watch } from "./harness.mjs";

const OWNER = { company: "Oficina do Zé", name: "José Pereira", email: "ze@oficina.example", password: "senha-da-oficina-1" };

let mail;
let server;
let chrome;
let context;

async function openPage(ctx, t) {
  const page = await ctx.newPage();
  const watcher = watch(page);
  t.after(async () => {
    await saveLastScreen(page, t.name);
    await page.close();
    watcher.assertClean();
  });
  return { page, watcher };
}

describe("Masteria web UI with email", () => {
  before(async () => {
    mail = await startMailSink();
    server = await startServer(mail.env);
    chrome = await launchBrowser();
    context = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL, viewport: { width: 1366, height: 768 } });
  });

  after(async () => {
    await context?.close();
    await chrome?.close();
    await server?.stop();
    await mail?.close();
  });

  it("asks a new owner to confirm the email before inviting, then confirms it", async (t) => {
    const { page, watcher } = await openPage(context, t);
    await page.goto("/signup");
    await page.getByLabel("Nome da empresa").fill(OWNER.company);
    await page.getByLabel("Seu nome").fill(OWNER.name);
    await page.getByLabel("E-mail").fill(OWNER.email);
    await page.getByLabel("Senha").fill(OWNER.password);
    await page.getByRole("button", { name: "Criar conta" }).click();
    await page.waitForURL((u) => u.pathname === "/");
    await page.getByText(`Confirme seu e-mail (${OWNER.email}) para convidar pessoas para a equipe e criar chaves de API.`).waitFor();

    // Inviting before confirming is refused with a sentence that says what to do.
    watcher.allow("POST", /^\/api\/v1\/invitations$/, 403);
    await page.goto("/settings/team?tab=invitations");
    await page.getByLabel("E-mail").fill("maria@oficina.example");
    await page.getByRole("button", { name: "Convidar" }).click();
    await page.getByText("Confirme seu e-mail primeiro.").waitFor();

    const before = mail.messages.length;
    await page.getByRole("button", { name: "Enviar o link de novo" }).click();
    await page.getByText(`Enviamos um novo link de confirmação para ${OWNER.email}.`).waitFor();
    const message = await mail.waitFor(OWNER.email, /\/verify-email\?token=/, before);
    await page.goto(linkIn(message.text, "/verify-email"));
    await page.getByText("Seu e-mail está confirmado.").waitFor();
    await page.getByRole("link", { name: "Ir para o Masteria" }).click();
    await page.getByRole("heading", { name: "Painel" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Enviar o link de novo" }).count(), 0);
  });

  it("emails an invitation instead of showing a link", async (t) => {
    const { page } = await openPage(context, t);
    await page.goto("/settings/team?tab=invitations");
    await page.getByLabel("E-mail").fill("maria@oficina.example");
    await page.getByRole("button", { name: "Convidar" }).click();
    const dialog = page.getByRole("dialog", { name: "Convite criado" });
    await dialog.getByText("Enviamos um convite para maria@oficina.example.").waitFor();
    assert.equal(await dialog.getByTestId("invite-link").count(), 0);
    await dialog.getByRole("button", { name: "Pronto" }).click();
    await mail.waitFor("maria@oficina.example", /\/invite\?token=/);
  });

  it("resets a forgotten password through the emailed link", async (t) => {
    const guest = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL });
    t.after(() => guest.close());
    const { page } = await openPage(guest, t);
    await page.goto("/forgot-password");
    const before = mail.messages.length;
    await page.getByLabel("E-mail").fill(OWNER.email);
    await page.getByRole("button", { name: "Enviar link" }).click();
    await page.getByText(`Se existir uma conta com ${OWNER.email}`).waitFor();
    const message = await mail.waitFor(OWNER.email, /\/reset-password\?token=/, before);
    await page.goto(linkIn(message.text, "/reset-password"));
    const password = "senha-nova-da-oficina-2";
    await page.getByLabel("Nova senha", { exact: true }).fill(password);
    await page.getByLabel("Repita a nova senha").fill(password);
    await page.getByRole("button", { name: "Salvar nova senha" }).click();
    await page.getByText("Sua senha foi trocada.").waitFor();
    await page.getByLabel("E-mail").fill(OWNER.email);
    await page.getByLabel("Senha", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Entrar", exact: true }).click();
    await page.getByRole("heading", { name: "Painel" }).waitFor();
  });
});
