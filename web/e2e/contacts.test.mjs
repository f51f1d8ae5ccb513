// End-to-end tests of the Contacts section against the real server binary:
// adding and finding contacts, bulk tagging, the import wizard, segments,
// consent and the CSV export. Run with `npm run e2e` (see README).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROME_CONTEXT, launchBrowser, saveLastScreen, startServer, watch, signUp } from "./harness.mjs";

const OWNER = {
  company: "Mercearia Boa Vista",
  name: "Rita Campos",
  email: "rita@mercearia.example",
  password: "senha-bem-longa-7",
};

let server;
let chrome;
let context;
let files;

async function openPage(t) {
  const page = await context.newPage();
  const watcher = watch(page);
  t.after(async () => {
    await saveLastScreen(page, `contacts ${t.name}`);
    await page.close();
    watcher.assertClean();
  });
  return { page, watcher };
}

const row = (page, text) => page.getByTestId("contact-row").filter({ hasText: text });

/** A new contact opens in the side panel; close it before going on with the list. */
async function closePanel(page, name) {
  const panel = page.getByRole("dialog", { name });
  await panel.getByTestId("contact-panel").waitFor();
  await page.keyboard.press("Escape");
  await panel.waitFor({ state: "detached" });
}

describe("Contacts", () => {
  before(async () => {
    server = await startServer();
    chrome = await launchBrowser();
    context = await chrome.browser.newContext({ ...CHROME_CONTEXT, baseURL: server.baseURL, viewport: { width: 1366, height: 768 } });
    files = mkdtempSync(join(tmpdir(), "masteria-contacts-"));
    await signUp(context, server.baseURL, OWNER);
  });

  after(async () => {
    await context?.close();
    await chrome?.close();
    await server?.stop();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it("adds a contact, pointing out a wrong or repeated phone next to the field", async (t) => {
    const { page, watcher } = await openPage(t);
    await page.goto("/contacts");
    await page.getByText("Nenhum contato ainda").waitFor();
    await page.getByRole("button", { name: "Adicionar contato" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Adicionar contato" });

    watcher.allow("POST", /^\/api\/v1\/contacts$/, 422);
    await dialog.getByLabel("Telefone").fill("123");
    await dialog.getByLabel("Nome").fill("Maria Oliveira");
    await dialog.getByRole("button", { name: "Adicionar contato" }).click();
    await dialog.getByText("Número de telefone inválido").waitFor();

    await dialog.getByLabel("Telefone").fill("(11) 98765-4321");
    await dialog.getByLabel("E-mail").fill("maria@example.com");
    await dialog.getByRole("button", { name: "Adicionar contato" }).click();
    await dialog.waitFor({ state: "detached" });
    const panel = page.getByRole("dialog", { name: "Maria Oliveira" });
    await panel.getByText("+55 11 98765-4321").waitFor();
    await panel.getByText("Sem registro").waitFor();
    await closePanel(page, "Maria Oliveira");
    await row(page, "Maria Oliveira").waitFor();
    await page.getByTestId("contacts-count").getByText("1 contato").waitFor();

    // The same number again is refused with the reason next to the phone.
    watcher.allow("POST", /^\/api\/v1\/contacts$/, 409);
    await page.getByRole("button", { name: "Adicionar contato" }).first().click();
    await dialog.getByLabel("Telefone").fill("+55 11 98765-4321");
    await dialog.getByRole("button", { name: "Adicionar contato" }).click();
    await dialog.getByText("Já existe um contato com esse número").waitFor();
    await page.keyboard.press("Escape");
  });

  it("finds a contact by search, keeping the search in the address", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/contacts");
    await page.getByRole("button", { name: "Adicionar contato" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Adicionar contato" });
    await dialog.getByLabel("Telefone").fill("(21) 99123-4567");
    await dialog.getByLabel("Nome").fill("João Pereira");
    await dialog.getByRole("button", { name: "Adicionar contato" }).click();
    await dialog.waitFor({ state: "detached" });
    await closePanel(page, "João Pereira");
    await page.getByTestId("contacts-count").getByText("2 contatos").waitFor();

    await page.getByLabel("Buscar").fill("Maria");
    await page.waitForURL((u) => u.searchParams.get("q") === "Maria");
    await page.getByTestId("contacts-count").getByText("1 contato encontrado").waitFor();
    await row(page, "Maria Oliveira").waitFor();
    assert.equal(await row(page, "João Pereira").count(), 0);

    // The address alone brings the same view back.
    await page.goto("/contacts?q=Jo%C3%A3o");
    await row(page, "João Pereira").waitFor();
    assert.equal(await page.getByLabel("Buscar").inputValue(), "João");
  });

  it("tags the selected contacts with a bulk action", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/contacts");
    await row(page, "Maria Oliveira").getByRole("checkbox").check();
    const bar = page.getByTestId("bulk-bar");
    await bar.getByText("1 selecionado").waitFor();
    await bar.getByRole("button", { name: "Adicionar etiqueta" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Etiqueta").fill("clientes");
    await dialog.getByRole("button", { name: "Adicionar etiqueta" }).click();
    await page.getByText("1 contato atualizado.").waitFor();
    await row(page, "Maria Oliveira").getByText("clientes").waitFor();
    assert.equal(await row(page, "João Pereira").getByText("clientes").count(), 0);

    // The tag filter is kept in the address too.
    await page.getByLabel("Etiqueta", { exact: true }).selectOption({ label: "clientes" });
    await page.waitForURL((u) => Boolean(u.searchParams.get("tag")));
    await page.getByTestId("contacts-count").getByText("1 contato encontrado").waitFor();
  });

  it("imports a spreadsheet through the wizard with progress and a report", async (t) => {
    const { page } = await openPage(t);
    // A custom field for the city column first.
    await page.goto("/settings/fields");
    await page.getByText("Nenhum campo personalizado ainda").waitFor();
    await page.getByRole("button", { name: "Novo campo" }).click();
    const fieldDialog = page.getByRole("dialog", { name: "Novo campo" });
    await fieldDialog.getByLabel("Nome do campo").fill("Cidade");
    assert.equal(await fieldDialog.getByLabel("Código").inputValue(), "cidade");
    await fieldDialog.getByRole("button", { name: "Criar campo" }).click();
    await page.getByTestId("field-row").filter({ hasText: "Cidade" }).waitFor();

    const csv = join(files, "clientes.csv");
    writeFileSync(
      csv,
      "Nome;Telefone;E-mail;Cidade\n" +
        "Ana Lima;(81) 99876-1234;ana@example.com;Recife\n" +
        "Bruno Costa;(81) 98765-0000;bruno@example.com;Olinda\n" +
        "Sem Telefone;12;sem@example.com;Recife\n",
    );
    await page.goto("/contacts/import");
    await page.getByLabel("Arquivo").setInputFiles(csv);
    await page.getByRole("button", { name: "Ler o arquivo" }).click();
    const mapping = page.getByTestId("import-mapping");
    await mapping.getByText("Ana Lima").waitFor();
    await page.getByLabel("Coluna Nome vai para").selectOption("name");
    await page.getByLabel("Coluna Telefone vai para").selectOption("phone");
    await page.getByLabel("Coluna E-mail vai para").selectOption("email");
    await page.getByLabel("Coluna Cidade vai para").selectOption("fields.cidade");
    await page.getByLabel("Etiquetar todos os contatos importados").fill("planilha");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Importar", exact: true }).click();

    const progress = page.getByTestId("import-progress");
    await progress.getByRole("progressbar").waitFor();
    await progress.getByText("clientes.csv foi importado").waitFor({ timeout: 30_000 });
    await progress.getByText("3 de 3 linhas").waitFor();
    assert.equal((await progress.getByTestId("import-created").locator("dd").innerText()).trim(), "2");
    assert.equal((await progress.getByTestId("import-rejected").locator("dd").innerText()).trim(), "1");
    const href = await progress.getByTestId("import-report").getAttribute("href");
    const report = await page.request.get(href);
    assert.equal(report.status(), 200);
    const text = await report.text();
    assert.match(text, /line/);
    assert.match(text, /Sem Telefone/);
    await page.getByTestId("recent-imports").getByText("clientes.csv").waitFor();

    await progress.getByRole("link", { name: "Ver contatos" }).click();
    await page.getByTestId("contacts-count").getByText("4 contatos").waitFor();
    await row(page, "Ana Lima").getByText("planilha").waitFor();
  });

  it("builds a segment with a live count and saves it", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/contacts/segments");
    await page.getByText("Nenhum segmento ainda").waitFor();
    await page.getByRole("link", { name: "Novo segmento" }).click();
    const count = page.getByTestId("segment-count");
    await count.getByText("4", { exact: true }).waitFor();
    await page.getByLabel("Nome do segmento").fill("Clientes de Recife");
    await page.getByRole("button", { name: "Adicionar regra" }).click();
    await page.getByLabel("Comparação da regra 1").selectOption("contains");
    await page.getByLabel("Valor da regra 1").fill("Recife");
    await count.getByText("1", { exact: true }).waitFor();
    await page.getByLabel("Tem qualquer uma destas etiquetas").selectOption({ label: "clientes" });
    await count.getByText("0", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Tirar a regra 1" }).click();
    await count.getByText("1", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Salvar segmento" }).click();
    await page.getByText("Segmento Clientes de Recife salvo.").waitFor();
    await page.waitForURL((u) => /^\/contacts\/segments\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith("/new"));

    await page.goto("/contacts/segments");
    const seg = page.getByTestId("segment-row").filter({ hasText: "Clientes de Recife" });
    await seg.getByText("1 contato").waitFor();
    await seg.getByRole("link", { name: "Ver contatos" }).click();
    await row(page, "Maria Oliveira").waitFor();
    await page.getByTestId("contacts-count").getByText("1 contato encontrado").waitFor();
  });

  it("records an opt-out and shows it in the consent history", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/contacts?q=Maria");
    await row(page, "Maria Oliveira").getByRole("button", { name: "Maria Oliveira" }).click();
    const panel = page.getByTestId("contact-panel");
    await panel.getByText("Nada registrado ainda.").waitFor();
    await panel.getByRole("button", { name: "Registrar descadastro" }).click();
    const dialog = page.getByRole("dialog", { name: "Descadastrar Maria Oliveira" });
    await dialog.getByLabel("Motivo").fill("Pediu por telefone para não receber mais.");
    await dialog.getByRole("button", { name: "Descadastrar" }).click();
    await dialog.waitFor({ state: "detached" });
    await panel.getByTestId("consent-state").getByText("Descadastrado").waitFor();
    const history = panel.getByTestId("consent-history");
    await history.getByText("Descadastrou-se").waitFor();
    await history.getByText("Pediu por telefone para não receber mais.").waitFor();
    assert.match(page.url(), /contact=/);
  });

  it("exports the filtered contacts as CSV", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/contacts?q=Maria");
    await row(page, "Maria Oliveira").waitFor();
    const href = await page.getByTestId("export-csv").getAttribute("href");
    assert.equal(href, "/api/v1/contacts/export?q=Maria");
    const res = await page.request.get(href);
    assert.equal(res.status(), 200);
    assert.match(res.headers()["content-type"] ?? "", /^text\/csv/);
    const body = await res.text();
    assert.match(body, /Maria Oliveira/);
    assert.doesNotMatch(body, /João Pereira/);
  });

  it("edits a contact and merges another one into it", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/contacts?q=Maria");
    await row(page, "Maria Oliveira").getByRole("button", { name: "Maria Oliveira" }).click();
    let panel = page.getByRole("dialog", { name: "Maria Oliveira" });
    await panel.getByRole("button", { name: "Editar" }).click();
    const form = page.getByRole("dialog", { name: "Editar contato" });
    await form.getByLabel("Nome").fill("Maria Oliveira Santos");
    await form.getByLabel("Cidade").fill("Belo Horizonte");
    await form.getByRole("button", { name: "Salvar" }).click();
    await form.waitFor({ state: "detached" });
    panel = page.getByRole("dialog", { name: "Maria Oliveira Santos" });
    await panel.getByText("Belo Horizonte").waitFor();

    await panel.getByRole("button", { name: "Juntar com…" }).click();
    const merge = page.getByRole("dialog", { name: "Juntar Maria Oliveira Santos com outro contato" });
    await merge.getByLabel("Buscar contato").fill("João");
    await merge.getByRole("button", { name: /João Pereira/ }).click();
    await merge.getByText("João Pereira vai ser juntado a Maria Oliveira Santos").waitFor();
    await merge.getByRole("button", { name: "Juntar contatos" }).click();
    await page.getByText("Contatos juntados.").waitFor();
    await merge.waitFor({ state: "detached" });
    await page.keyboard.press("Escape");
    await page.goto("/contacts");
    await page.getByTestId("contacts-count").getByText("3 contatos").waitFor();
    assert.equal(await row(page, "João Pereira").count(), 0);
  });

  it("tags and then deletes every contact matching the filter, beyond the rows loaded", async (t) => {
    const { page } = await openPage(t);
    await page.goto("/contacts");
    const csrf = (await context.cookies()).find((c) => c.name === "masteria_csrf")?.value ?? "";
    const headers = { "X-CSRF-Token": csrf, "Content-Type": "application/json", Origin: server.baseURL };
    for (let i = 0; i < 130; i++) {
      const res = await page.request.post("/api/v1/contacts", {
        headers,
        data: { phone: `+55319${String(70000000 + i * 37).padStart(8, "0")}`, name: `Lote ${String(i).padStart(3, "0")}` },
      });
      assert.equal(res.status(), 201, await res.text());
    }
    await page.goto("/contacts?q=Lote");
    await page.getByTestId("contacts-count").getByText("130 contatos encontrados").waitFor();
    await row(page, "Lote 129").waitFor();
    await page.getByRole("checkbox", { name: "Selecionar todos" }).check();
    const bar = page.getByTestId("bulk-bar");
    await bar.getByRole("button", { name: "Selecionar todos os 130 contatos do filtro" }).click();
    await bar.getByText("Todos os contatos do filtro estão selecionados.").waitFor();
    await bar.getByRole("button", { name: "Adicionar etiqueta" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Etiqueta").fill("lote");
    const bulk = page.waitForRequest((r) => r.url().endsWith("/api/v1/contacts/bulk"));
    await dialog.getByRole("button", { name: "Adicionar etiqueta" }).click();
    assert.deepEqual(JSON.parse((await bulk).postData()).filter, { q: "Lote" });
    await page.getByText("130 contatos atualizados.").waitFor();

    await page.getByLabel("Etiqueta", { exact: true }).selectOption({ label: "lote" });
    await page.getByTestId("contacts-count").getByText("130 contatos encontrados").waitFor();
    // Only the first page is loaded; scrolling the list brings the next one.
    assert.equal(await row(page, "Lote 000").count(), 0);
    for (let i = 0; i < 50 && (await row(page, "Lote 000").count()) === 0; i++) {
      await page.getByTestId("contacts-scroll").evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(100);
    }
    await row(page, "Lote 000").waitFor();
    // Rows are virtualized: only a screenful or so is in the page at a time.
    assert.ok((await page.getByTestId("contact-row").count()) < 60);

    await page.reload();
    await page.getByTestId("contacts-count").getByText("130 contatos encontrados").waitFor();
    await page.getByRole("checkbox", { name: "Selecionar todos" }).check();
    await bar.getByRole("button", { name: "Selecionar todos os 130 contatos do filtro" }).click();
    await bar.getByRole("button", { name: "Apagar" }).click();
    const confirm = page.getByRole("dialog", { name: "Apagar 130 contatos?" });
    await confirm.getByText("não dá para desfazer").waitFor();
    await confirm.getByTestId("confirm").click();
    await page.getByText("130 contatos apagados.").waitFor();
    await page.getByTestId("contacts-count").getByText("Nenhum contato encontrado").waitFor();
    await page.goto("/contacts");
    await page.getByTestId("contacts-count").getByText("3 contatos").waitFor();
  });
});
