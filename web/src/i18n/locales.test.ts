import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import en from "./en.json";
import ptBR from "./pt-BR.json";
import { detectLanguage } from "./index";

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const enKeys = flatten(en as Tree);
const ptKeys = flatten(ptBR as Tree);

function variables(s: string): string[] {
  return [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

describe("locale files", () => {
  it("pt-BR has every key that en has", () => {
    const missing = [...enKeys.keys()].filter((k) => !ptKeys.has(k));
    expect(missing).toEqual([]);
  });

  it("en has every key that pt-BR has", () => {
    const missing = [...ptKeys.keys()].filter((k) => !enKeys.has(k));
    expect(missing).toEqual([]);
  });

  it("uses the same {{variables}} in both languages", () => {
    const diff = [...enKeys.entries()]
      .filter(([k, v]) => ptKeys.has(k) && variables(v).join() !== variables(ptKeys.get(k)!).join())
      .map(([k]) => k);
    expect(diff).toEqual([]);
  });

  it("has no empty strings", () => {
    const empty = [...enKeys.entries(), ...ptKeys.entries()].filter(([, v]) => v.trim() === "").map(([k]) => k);
    expect(empty).toEqual([]);
  });

  it("defines every literal key the code asks for", () => {
    const srcDir = join(__dirname, "..");
    const used = new Set<string>();
    for (const file of sourceFiles(srcDir)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\bt\(\s*"([a-z_]+(?:\.[a-zA-Z_]+)+)"/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(50);
    const missing = [...used].filter((k) => !enKeys.has(k));
    expect(missing).toEqual([]);
  });
});

describe("detectLanguage", () => {
  it("prefers the stored choice", () => {
    expect(detectLanguage("en", ["pt-BR"])).toBe("en");
    expect(detectLanguage("pt-BR", ["en-US"])).toBe("pt-BR");
  });
  it("follows the browser", () => {
    expect(detectLanguage(null, ["en-US", "pt-BR"])).toBe("en");
    expect(detectLanguage(null, ["pt-PT"])).toBe("pt-BR");
    expect(detectLanguage("xx", ["de-DE", "en-GB"])).toBe("en");
  });
  it("falls back to pt-BR", () => {
    expect(detectLanguage(null, ["de-DE"])).toBe("pt-BR");
  });
});
