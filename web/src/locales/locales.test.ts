// Finnish, Swedish and English are complete: the same keys, none empty, and every key the code
// names exists. An untranslated or forgotten string fails here.
import { describe, expect, it } from "vitest";
import en from "./en.json";
import fi from "./fi.json";
import sv from "./sv.json";

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(name, value);
    else for (const [k, v] of flatten(value, name)) out.set(k, v);
  }
  return out;
}

const LOCALES: Record<string, Map<string, string>> = {
  fi: flatten(fi),
  sv: flatten(sv),
  en: flatten(en),
};

// The source files (this test excluded), as text.
const SOURCES = import.meta.glob<string>(["../**/*.{ts,tsx}", "!../**/*.test.{ts,tsx}", "!../**/*.d.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
});

/** Every string literal in the code that names a key of a top-level group of the resources
 * (`"myWork.title"`), and every template `t(`language.${…}`)` prefix. */
function keysInCode(): Set<string> {
  const groups = new Set(Object.keys(fi));
  const found = new Set<string>();
  for (const text of Object.values(SOURCES)) {
    for (const match of text.matchAll(/["'`]([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)+)["'`]/g)) {
      const key = match[1] as string;
      if (groups.has(key.split(".")[0] as string)) found.add(key);
    }
  }
  return found;
}

describe("translations", () => {
  it.each(["sv", "en"])("fi and %s have the same keys", (language) => {
    const other = LOCALES[language] as Map<string, string>;
    const missing = [...LOCALES.fi!.keys()].filter((key) => !other.has(key));
    const extra = [...other.keys()].filter((key) => !LOCALES.fi!.has(key));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it.each(["fi", "sv", "en"])("no %s string is empty", (language) => {
    const empty = [...(LOCALES[language] as Map<string, string>)].filter(([, v]) => !v.trim()).map(([k]) => k);
    expect(empty).toEqual([]);
  });

  it("every key the code names is defined", () => {
    const used = keysInCode();
    expect(used.size).toBeGreaterThan(10);
    const undefinedKeys = [...used].filter((key) => !LOCALES.fi!.has(key));
    expect(undefinedKeys).toEqual([]);
  });

  it("the flattening sees a missing Swedish key", () => {
    const broken = flatten({ ...sv, myWork: { ...sv.myWork, title: "" } });
    expect(broken.get("myWork.title")).toBe("");
    const { retry: _dropped, ...rest } = sv.myWork;
    expect(flatten({ ...sv, myWork: rest }).has("myWork.retry")).toBe(false);
  });
});
