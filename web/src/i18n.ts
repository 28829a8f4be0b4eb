// Finnish by default, Swedish and English complete (src/locales/locales.test.ts fails on any key
// missing or empty in one of them); <html lang> follows the language. The chosen language lasts
// for the tab's session only.
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./locales/en.json";
import fi from "./locales/fi.json";
import sv from "./locales/sv.json";

export const LANGUAGES = ["fi", "sv", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = "fi";
export const resources = { fi: { translation: fi }, sv: { translation: sv }, en: { translation: en } };

const LANGUAGE_KEY = "turvaverkko.language";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof fi };
  }
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

function remembered(): Language {
  try {
    const value = globalThis.sessionStorage?.getItem(LANGUAGE_KEY);
    return isLanguage(value) ? value : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

i18next.on("languageChanged", (language) => {
  if (typeof document === "undefined") return; // not in a page (a test in Node)
  document.documentElement.lang = language;
  try {
    window.sessionStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    // storage refused: the language lasts for this page only
  }
});

void i18next.use(initReactI18next).init({
  resources,
  lng: remembered(),
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...LANGUAGES],
  initAsync: false,
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

export default i18next;
