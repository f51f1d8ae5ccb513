// End-to-end tests: the real server binary, the built UI it embeds, and the
// system Chromium. Run with `npm run e2e` after `npm run build` and building
// the server (the Makefile does both).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CHROME_CONTEXT, launchBrowser, saveLastScreen, startServer, watch } from "./harness.mjs";

const OWNER = {
  company: "Padaria Pão Quente",
  name: "Ana Souza",
  email: "ana@padaria.example",
  password: "senha-bem-longa-1",
};
const AGENT = { name: "Bruno Lima", email: "bruno@padaria.example", password: "outra-senha-longa-2" };

let server;
let chrome;
let ownerContext;

/** A page in `context` that fails the test on console errors and failed requests. */
async function openPage(context, t) {
  const page = await context.newPage();
  const watcher = watch(page);
  t.after(async () => {
    await saveLastScreen(page, t.name);
    await page.close();
    watcher.assertClean();
  });
  return { page, watcher };
}

describe("Masteria web UI", () => {
  before(async () => {
    server = await startServer();
    chrome = await launchBrowser();
    ownerContext = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL, viewport: { width: 1366, height: 768 } });
  });

  after(async () => {
    await ownerContext?.close();
    await chrome?.close();
    await server?.stop();
  });

  it("signs up a new company and lands on the dashboard", async (t) => {
    const { page, watcher } = await openPage(ownerContext, t);
    await page.goto("/signup");
    await page.getByRole("heading", { name: "Crie sua conta" }).waitFor();
    await page.getByLabel("Nome da empresa").fill(OWNER.company);
    await page.getByLabel("Seu nome").fill(OWNER.name);
    await page.getByLabel("E-mail").fill(OWNER.email);

    // A short password is refused with a message right below the field.
    watcher.allow("POST", /^\/api\/v1\/auth\/signup$/, 400);
    watcher.allow("POST", /^\/api\/v1\/auth\/signup$/, 422);
    await page.getByLabel("Senha").fill("curta");
    await page.getByRole("button", { name: "Criar conta" }).click();
    const passwordError = page.getByLabel("Senha").locator("xpath=..").getByRole("alert");
    await passwordError.waitFor();
    assert.ok((await passwordError.innerText()).trim().length > 0);

    await page.getByLabel("Senha").fill(OWNER.password);
    await page.getByRole("button", { name: "Criar conta" }).click();
    await page.waitForURL((u) => u.pathname === "/");
    await page.getByRole("heading", { name: "Painel" }).waitFor();
    // A new company's dashboard says what to do first.
    await page.getByTestId("dashboard-empty").getByText("Nenhuma conexão ainda").waitFor();
    const switcher = page.getByTestId("company-switcher");
    assert.equal((await switcher.innerText()).trim(), OWNER.company);
    for (const section of ["Conversas", "Contatos", "Campanhas", "Modelos", "Automações", "IA", "Conexões", "Configurações"]) {
      await page.getByRole("navigation", { name: "Seções" }).getByRole("link", { name: section, exact: true }).waitFor();
    }
  });

  it("signs out, refuses a wrong password, and signs back in", async (t) => {
    const { page, watcher } = await openPage(ownerContext, t);
    await page.goto("/");
    await page.getByTestId("user-menu").click();
    await page.getByRole("menuitem", { name: "Sair" }).click();
    await page.waitForURL((u) => u.pathname === "/login");
    await page.getByRole("heading", { name: "Entrar no Masteria" }).waitFor();

    // A protected page without a session goes to sign-in and comes back after it.
    watcher.allow("GET", /^\/api\/v1\/me$/, 401);
    await page.goto("/settings/team");
    await page.waitForURL((u) => u.pathname === "/login" && u.searchParams.get("next") === "/settings/team");

    watcher.allow("POST", /^\/api\/v1\/auth\/login$/, 401);
    await page.getByLabel("E-mail").fill(OWNER.email);
    await page.getByLabel("Senha", { exact: true }).fill("senha-errada-123");
    await page.getByRole("button", { name: "Entrar", exact: true }).click();
    await page.getByText("E-mail ou senha incorretos.").waitFor();

    await page.getByLabel("Senha", { exact: true }).fill(OWNER.password);
    await page.getByRole("button", { name: "Entrar", exact: true }).click();
    await page.waitForURL((u) => u.pathname === "/settings/team");
    await page.getByTestId("members-table").getByText(OWNER.email).waitFor();
  });

  it("invites a teammate who opens the link and joins", async (t) => {
    const { page } = await openPage(ownerContext, t);
    await page.goto("/settings/team");
    await page.getByRole("tab", { name: "Convites" }).click();
    await page.getByText("Nenhum convite pendente").waitFor();
    await page.getByLabel("E-mail").fill(AGENT.email);
    await page.getByLabel("Função").selectOption("agent");
    await page.getByRole("button", { name: "Convidar" }).click();
    const dialog = page.getByRole("dialog", { name: "Convite criado" });
    await dialog.waitFor();
    const link = await dialog.getByTestId("invite-link").inputValue();
    assert.match(link, /\/invite\?token=/);
    await dialog.getByRole("button", { name: "Pronto" }).click();
    await page.getByRole("table").getByText(AGENT.email).waitFor();

    const agentContext = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL });
    t.after(() => agentContext.close());
    const { page: agentPage } = await openPage(agentContext, t);
    const url = new URL(link);
    await agentPage.goto(url.pathname + url.search);
    await agentPage.getByRole("heading", { name: "Entrar na equipe" }).waitFor();
    await agentPage.getByText(`${OWNER.name} convidou você para ${OWNER.company} como Atendente.`).waitFor();
    await agentPage.getByLabel("Seu nome").fill(AGENT.name);
    await agentPage.getByLabel("Escolha uma senha").fill(AGENT.password);
    await agentPage.getByRole("button", { name: "Criar conta e entrar" }).click();
    await agentPage.waitForURL((u) => u.pathname === "/");
    await agentPage.getByRole("heading", { name: "Painel" }).waitFor();
    // Agents don't get admin-only settings.
    await agentPage.goto("/settings/profile");
    await agentPage.getByRole("link", { name: "Perfil" }).waitFor();
    assert.equal(await agentPage.getByRole("link", { name: "Chaves de API" }).count(), 0);
    await agentPage.goto("/settings/team");
    await agentPage.getByTestId("members-table").getByText(OWNER.email).waitFor();
    assert.equal(await agentPage.getByRole("tab", { name: "Convites" }).count(), 0);
    await agentPage.goto("/settings/company");
    await agentPage.getByText("Só donos e administradores podem mudar estas configurações.").waitFor();
    assert.equal(await agentPage.getByRole("button", { name: "Salvar" }).count(), 0);
    // Nor the admin-only contact actions: export and import.
    await agentPage.goto("/contacts");
    await agentPage.getByRole("button", { name: "Adicionar contato" }).first().waitFor();
    assert.equal(await agentPage.getByTestId("export-csv").count(), 0);
    assert.equal(await agentPage.getByRole("link", { name: "Importar" }).count(), 0);

    await page.goto("/settings/team");
    const members = page.getByTestId("members-table");
    await members.getByText(AGENT.email).waitFor();
    await members.getByText(AGENT.name).waitFor();
  });

  it("creates an API key, shows it once, lists it and revokes it", async (t) => {
    const { page } = await openPage(ownerContext, t);
    await page.goto("/settings/api-keys");
    await page.getByText("Nenhuma chave de API ainda").waitFor();
    await page.getByRole("button", { name: "Nova chave de API" }).first().click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Nome").fill("Site da padaria");
    await dialog.getByRole("button", { name: "Criar chave" }).click();
    const keyField = dialog.getByTestId("api-key-value");
    await keyField.waitFor();
    const key = await keyField.inputValue();
    assert.ok(key.length >= 16, `key looks too short: ${key}`);
    await dialog.getByText("Esta é a única vez que a chave aparece").waitFor();
    await dialog.getByRole("button", { name: "Pronto" }).click();
    await dialog.waitFor({ state: "detached" });

    const row = page.getByTestId("api-key-row").filter({ hasText: "Site da padaria" });
    await row.waitFor();
    assert.ok(!(await page.content()).includes(key), "the full key must not be shown again");

    await row.getByRole("button", { name: "Revogar" }).click();
    await page.getByRole("dialog").getByTestId("confirm").click();
    await row.waitFor({ state: "detached" });
    await page.getByText("Nenhuma chave de API ainda").waitFor();
  });

  it("saves company settings, the profile name and a new password", async (t) => {
    const { page, watcher } = await openPage(ownerContext, t);
    await page.goto("/settings/company");
    await page.getByLabel("Fuso horário").selectOption("America/Manaus");
    await page.getByLabel("País dos números de telefone").selectOption("PT");
    const saturday = page.getByRole("checkbox", { name: "Sábado" });
    await saturday.check();
    await page.getByLabel("Sábado: abre às").fill("08:00");
    await page.getByLabel("Sábado: fecha às").fill("12:00");
    await page.getByRole("button", { name: "Salvar" }).click();
    await page.getByText("Alterações salvas.").waitFor();
    await page.reload();
    assert.equal(await page.getByLabel("Fuso horário").inputValue(), "America/Manaus");
    assert.equal(await page.getByLabel("País dos números de telefone").inputValue(), "PT");
    assert.equal(await page.getByLabel("Sábado: abre às").inputValue(), "08:00");

    await page.goto("/settings/profile");
    await page.getByLabel("Seu nome").fill("Ana Souza Lima");
    await page.getByRole("button", { name: "Salvar" }).click();
    await page.getByText("Alterações salvas.").waitFor();
    await page.getByTestId("user-menu").getByText("Ana Souza Lima").waitFor();
    await page.getByLabel("Seu nome").fill(OWNER.name);
    await page.getByRole("button", { name: "Salvar" }).click();
    await page.getByTestId("user-menu").getByText(OWNER.name, { exact: true }).waitFor();

    // Changing the password: a wrong current one is pointed out next to its field.
    watcher.allow("POST", /^\/api\/v1\/me\/password$/, 400);
    watcher.allow("POST", /^\/api\/v1\/me\/password$/, 422);
    const newPassword = "senha-nova-da-ana-4";
    await page.getByLabel("Senha atual").fill("nao-e-a-senha-123");
    await page.getByLabel("Nova senha").fill(newPassword);
    await page.getByRole("button", { name: "Trocar senha" }).click();
    await page.getByText("Esta não é sua senha atual.").waitFor();
    await page.getByLabel("Senha atual").fill(OWNER.password);
    await page.getByRole("button", { name: "Trocar senha" }).click();
    await page.getByText("Sua senha foi trocada.").waitFor();
    OWNER.password = newPassword;
  });

  it("changes a member's role, hands them a reset link and removes them", async (t) => {
    const { page } = await openPage(ownerContext, t);
    await page.goto("/settings/team");
    const row = page.getByTestId("members-table").getByRole("row").filter({ hasText: AGENT.email });
    await row.getByLabel(`Função de ${AGENT.name}`).selectOption("admin");
    await page.getByText(`A função de ${AGENT.name} foi alterada.`).waitFor();
    await page.reload();
    assert.equal(await row.getByLabel(`Função de ${AGENT.name}`).inputValue(), "admin");

    await row.getByRole("button", { name: "Link para trocar a senha" }).click();
    const dialog = page.getByRole("dialog", { name: `Link para ${AGENT.name} trocar a senha` });
    const link = await dialog.getByTestId("reset-link").inputValue();
    assert.match(link, /\/reset-password\?token=/);
    await dialog.getByRole("button", { name: "Pronto" }).click();

    const agentContext = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL });
    t.after(() => agentContext.close());
    const { page: agentPage } = await openPage(agentContext, t);
    const url = new URL(link);
    await agentPage.goto(url.pathname + url.search);
    await agentPage.getByRole("heading", { name: "Escolha uma nova senha" }).waitFor();
    const newPassword = "senha-nova-do-bruno-3";
    await agentPage.getByLabel("Nova senha", { exact: true }).fill(newPassword);
    await agentPage.getByLabel("Repita a nova senha").fill(newPassword + "x");
    await agentPage.getByRole("button", { name: "Salvar nova senha" }).click();
    await agentPage.getByText("As duas senhas estão diferentes.").waitFor();
    await agentPage.getByLabel("Repita a nova senha").fill(newPassword);
    await agentPage.getByRole("button", { name: "Salvar nova senha" }).click();
    await agentPage.waitForURL((u) => u.pathname === "/login");
    await agentPage.getByText("Sua senha foi trocada.").waitFor();
    await agentPage.getByLabel("E-mail").fill(AGENT.email);
    await agentPage.getByLabel("Senha", { exact: true }).fill(newPassword);
    await agentPage.getByRole("button", { name: "Entrar", exact: true }).click();
    await agentPage.waitForURL((u) => u.pathname === "/");
    await agentPage.getByRole("heading", { name: "Painel" }).waitFor();
    AGENT.password = newPassword;

    await row.getByRole("button", { name: "Remover" }).click();
    await page.getByRole("dialog", { name: `Remover ${AGENT.name} da equipe?` }).getByTestId("confirm").click();
    await row.waitFor({ state: "detached" });
  });

  it("creates a second company, brings in an existing account and switches between companies", async (t) => {
    const { page, watcher } = await openPage(ownerContext, t);
    await page.goto("/");
    await page.getByTestId("company-switcher").click();
    await page.getByRole("menuitem", { name: "Nova empresa" }).click();
    const dialog = page.getByRole("dialog", { name: "Nova empresa" });
    await dialog.getByLabel("Nome da empresa").fill("Cliente Sorveteria");
    await dialog.getByRole("button", { name: "Criar empresa" }).click();
    await page.getByTestId("company-switcher").getByText("Cliente Sorveteria").waitFor();
    await page.getByRole("heading", { name: "Painel" }).waitFor();

    // Someone who already has an account joins with their current password.
    await page.goto("/settings/team?tab=invitations");
    await page.getByLabel("E-mail").fill(AGENT.email);
    await page.getByRole("button", { name: "Convidar" }).click();
    const dialog2 = page.getByRole("dialog", { name: "Convite criado" });
    const link = await dialog2.getByTestId("invite-link").inputValue();
    await dialog2.getByRole("button", { name: "Pronto" }).click();
    const agentContext = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL });
    t.after(() => agentContext.close());
    const { page: agentPage } = await openPage(agentContext, t);
    const url = new URL(link);
    await agentPage.goto(url.pathname + url.search);
    await agentPage.getByText("Você já tem uma conta no Masteria com este e-mail.").waitFor();
    assert.equal(await agentPage.getByLabel("Seu nome").count(), 0);
    await agentPage.getByLabel("Senha", { exact: true }).fill(AGENT.password);
    await agentPage.getByRole("button", { name: "Entrar na equipe" }).click();
    await agentPage.waitForURL((u) => u.pathname === "/");
    await agentPage.getByTestId("company-switcher").getByText("Cliente Sorveteria").waitFor();

    await page.goto("/");

    await page.getByTestId("company-switcher").click();
    await page.getByRole("menuitem", { name: new RegExp(OWNER.company) }).click();
    await page.getByTestId("company-switcher").getByText(OWNER.company).waitFor();
    await page.goto("/settings/team");
    await page.getByTestId("members-table").getByText(OWNER.email).waitFor();
    assert.equal(await page.getByTestId("members-table").getByText(AGENT.email).count(), 0);
  });

  it("lists the activity log in words, filtered by a kind kept in the address", async (t) => {
    const { page } = await openPage(ownerContext, t);
    await page.goto("/settings/audit");
    await page.getByText(`${OWNER.name} criou a conta`).waitFor();
    const filtered = page.waitForResponse((r) => r.url().includes("/api/v1/audit?") && r.url().includes("action=invitation.created"));
    await page.getByLabel("Mostrar").selectOption("invitation.created");
    assert.equal((await filtered).status(), 200);
    await page.waitForURL((u) => u.searchParams.get("action") === "invitation.created");
    await page.getByText(`${OWNER.name} convidou ${AGENT.email}`).waitFor();
    await page.reload();
    assert.equal(await page.getByLabel("Mostrar").inputValue(), "invitation.created");
    await page.getByText(`${OWNER.name} convidou ${AGENT.email}`).waitFor();
    const items = page.getByTestId("audit-list").getByRole("listitem");
    assert.equal(await items.count(), 1);
  });

  it("tells people to ask an admin for a reset link when the server sends no email", async (t) => {
    const context = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL });
    t.after(() => context.close());
    const { page } = await openPage(context, t);
    await page.goto("/login");
    await page.getByRole("link", { name: "Esqueceu a senha?" }).click();
    await page.getByText("Peça a um administrador da sua empresa um link para trocar a senha").waitFor();
    assert.equal(await page.getByLabel("E-mail").count(), 0);
  });

  it("switches between Portuguese and English and keeps the choice", async (t) => {
    const { page } = await openPage(ownerContext, t);
    await page.goto("/");
    await page.getByRole("heading", { name: "Painel" }).waitFor();
    // The choice is also saved on the account; wait for that before reloading.
    const saved = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().endsWith("/api/v1/me"));
    await page.getByTestId("language-switch").selectOption("en");
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    assert.equal((await saved).status(), 200);
    await page.getByRole("link", { name: "Inbox", exact: true }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
    await page.reload();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.getByRole("link", { name: "Settings", exact: true }).waitFor();

    const savedBack = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().endsWith("/api/v1/me"));
    await page.getByTestId("language-switch").selectOption("pt-BR");
    await page.getByRole("heading", { name: "Painel" }).waitFor();
    await savedBack;
    await page.getByRole("link", { name: "Configurações", exact: true }).waitFor();
  });

  it("folds the sidebar into a menu button on a phone", async (t) => {
    const { page } = await openPage(ownerContext, t);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/");
    await page.getByRole("heading", { name: "Painel" }).waitFor();
    const menu = page.getByTestId("menu-button");
    await menu.waitFor();
    assert.equal(await page.getByRole("link", { name: "Conversas", exact: true }).count(), 0);
    await menu.click();
    const drawer = page.getByTestId("mobile-sidebar");
    await drawer.waitFor();
    await drawer.getByRole("link", { name: "Conversas", exact: true }).click();
    await page.waitForURL((u) => u.pathname === "/inbox");
    await drawer.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Conversas" }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is wider than the phone screen by ${overflow}px`);
  });
});
